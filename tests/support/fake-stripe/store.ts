import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { noSuch } from './errors';
import type { CardBehaviour, EventRequest, Metadata, StripeEvent, StripeObject } from './types';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random id shaped like Stripe's: its prefix, then base62 (24 characters for most objects). */
export function newId(prefix: string, length = 24): string {
  return prefix + Array.from(randomBytes(length), (b) => BASE62.charAt(b % 62)).join('');
}

export const now = () => Math.floor(Date.now() / 1000);

/** Object.assign that checks the changes against the object's type. */
export const update = <T extends object>(target: T, changes: Partial<T>): T => Object.assign(target, changes);

type Kind = StripeObject['object'];
export type ObjectOf<K extends Kind> = Extract<StripeObject, { object: K }>;

// How Stripe names each kind in "No such …" messages, and the param it blames when the id is in the URL.
const LABELS: Record<Kind, [label: string, urlParam: string]> = {
  customer: ['customer', 'id'],
  payment_method: ['PaymentMethod', 'payment_method'],
  payment_intent: ['payment_intent', 'intent'],
  charge: ['charge', 'charge'],
  refund: ['refund', 'refund'],
  setup_intent: ['setupintent', 'intent'],
  'checkout.session': ['checkout.session', 'session'],
  event: ['event', 'id'],
};

/** What a Checkout Session was created with that Stripe keeps but doesn't show on the session. */
export interface CheckoutExtras {
  lineItems: { name: string; unitAmount: number; quantity: number }[];
  paymentIntentData: { metadata: Metadata; description: string | null; setupFutureUsage: 'on_session' | 'off_session' | null };
}

/** The account's state: every object by id, plus what the fake alone needs to know about some. */
export class Store {
  private readonly objects = new Map<string, StripeObject>();
  readonly checkoutExtras = new Map<string, CheckoutExtras>();
  private readonly decliningCards = new Set<string>();

  constructor(
    private readonly onEvent: (event: StripeEvent) => void,
    private readonly webhookEndpoints: number,
  ) {}

  add<T extends StripeObject>(object: T): T {
    this.objects.set(object.id, object);
    return object;
  }

  byId(id: string): StripeObject | undefined {
    return this.objects.get(id);
  }

  find<K extends Kind>(kind: K, id: string): ObjectOf<K> | undefined {
    const object = this.objects.get(id);
    return object?.object === kind ? (object as ObjectOf<K>) : undefined;
  }

  /** The object an API path names (404), or a parameter names (400, blaming `param`). */
  get<K extends Kind>(kind: K, id: string, param?: string): ObjectOf<K> {
    const object = this.find(kind, id);
    if (object) return object;
    const [label, urlParam] = LABELS[kind];
    throw param ? noSuch(label, id, param, 400) : noSuch(label, id, urlParam, 404);
  }

  /** Every object of a kind, oldest first. */
  all<K extends Kind>(kind: K): ObjectOf<K>[] {
    return [...this.objects.values()].filter((o): o is ObjectOf<K> => o.object === kind);
  }

  declines(paymentMethodId: string): boolean {
    return this.decliningCards.has(paymentMethodId);
  }

  setBehaviour(paymentMethodId: string, card: CardBehaviour): void {
    if (card === 'declining') this.decliningCards.add(paymentMethodId);
    else this.decliningCards.delete(paymentMethodId);
  }

  /** Records an event about `object` as it is now (later changes don't leak into it) and hands it on for delivery. */
  emit(type: string, object: StripeObject, request: EventRequest): StripeEvent {
    const event = this.add<StripeEvent>({
      id: newId('evt_'),
      object: 'event',
      // Events are rendered in the version the app's client pins, as a webhook endpoint created for it would be.
      api_version: Stripe.API_VERSION,
      created: now(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: this.webhookEndpoints,
      request,
      type,
    });
    this.onEvent(event);
    return event;
  }
}

/** Events caused by the customer (the hosted page) or the Dashboard carry no request. */
export const NO_REQUEST: EventRequest = { id: null, idempotency_key: null };
