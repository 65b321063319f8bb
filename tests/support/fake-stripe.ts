import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from './fake-stripe/api';
import { completeSession, expireSession, settleAsyncPayment, type CompleteOptions } from './fake-stripe/checkout';
import { checkoutPage } from './fake-stripe/checkout-page';
import { control } from './fake-stripe/control';
import { setCard } from './fake-stripe/customers';
import { createRefund } from './fake-stripe/payments';
import { newId, NO_REQUEST, Store } from './fake-stripe/store';
import type { CardBehaviour, CheckoutSession, Delivery, PaymentIntent, PaymentMethod, Refund, StripeEvent } from './fake-stripe/types';
import { WebhookSender, type SignOptions } from './fake-stripe/webhooks';

export type { CardBehaviour, CheckoutSession, CompleteOptions, Delivery, PaymentIntent, PaymentMethod, Refund, SignOptions, StripeEvent };

/**
 * A local stand-in for api.stripe.com, for the official `stripe` client pointed at `url`
 * (`new Stripe(key, { host, port, protocol: 'http' })`), with any `sk_test_…` key.
 *
 * It serves Checkout Sessions (payment and setup mode), Customers, PaymentMethods, off-session
 * PaymentIntents, Charges and Refunds, and posts signed events to `webhookUrl`. What a customer or
 * the Dashboard would do is a method here (and `/__control/…` over HTTP), resolving once the events
 * it caused have been delivered. Events caused by API calls are delivered in the background, as on
 * Stripe: call `flush()` to wait for them.
 */
export interface FakeStripe {
  url: string;
  /** The secret events are signed with (`whsec_…`). */
  webhookSecret: string;
  /** The customer paying (or saving a card) on the hosted page. */
  completeCheckout(sessionId: string, options?: CompleteOptions): Promise<CheckoutSession>;
  /** The session's delayed payment clearing: `checkout.session.async_payment_succeeded`. */
  succeedAsyncPayment(sessionId: string): Promise<CheckoutSession>;
  /** The session's delayed payment failing: `checkout.session.async_payment_failed`. */
  failAsyncPayment(sessionId: string): Promise<CheckoutSession>;
  /** The session reaching `expires_at` unpaid: `checkout.session.expired`. */
  expireCheckout(sessionId: string): Promise<CheckoutSession>;
  /** A refund from the Dashboard, of `amount` or of what is left: `charge.refunded`. */
  refund(paymentIntentId: string, amount?: number): Promise<Refund>;
  /** Makes the customer's saved cards charge fine or decline (giving the customer a card if it has none). */
  setCard(customerId: string, card: CardBehaviour): PaymentMethod[];
  /** Every event so far, oldest first. */
  events(): StripeEvent[];
  /** Every POST to the webhook URL so far, with the status it got. */
  deliveries(): Delivery[];
  /** Sends an event again, newly signed, as the Dashboard's "Resend" does. */
  redeliver(eventId: string): Promise<Delivery>;
  /** Signs and sends any event now (a copy, a reordered one, a stale `timestamp`), outside the queue. */
  deliver(event: StripeEvent, options?: Pick<SignOptions, 'timestamp'>): Promise<Delivery>;
  /** The body and `Stripe-Signature` header a delivery of `event` would have, without sending it. */
  signedPayload(event: StripeEvent, options?: SignOptions): { payload: string; header: string };
  /** Every PaymentIntent, oldest first: how many charges were attempted, and how they went. */
  paymentIntents(): PaymentIntent[];
  /** Waits until every event so far has been delivered (or failed to be). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface FakeStripeOptions {
  /** Default: any free port. */
  port?: number;
  /** Where events are POSTed; without one they are only recorded. */
  webhookUrl?: string;
  /** Default: a random `whsec_…`. */
  webhookSecret?: string;
  /** Told of each delivery as it happens (the CLI logs them). */
  onDelivery?: (delivery: Delivery) => void;
}

export async function startFakeStripe(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  const sender = new WebhookSender(opts.webhookUrl, opts.webhookSecret ?? newId('whsec_', 32), opts.onDelivery);
  const store = new Store((event) => sender.enqueue(event), opts.webhookUrl ? 1 : 0);
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api = createApi(store, url);

  // Control methods answer with copies, once what they caused has reached the webhook.
  const settled = async <T>(result: T): Promise<T> => {
    await sender.flush();
    return structuredClone(result);
  };

  const fake: FakeStripe = {
    url,
    webhookSecret: sender.secret,
    completeCheckout: async (id, options = {}) => settled(completeSession(store, id, options)),
    succeedAsyncPayment: async (id) => settled(settleAsyncPayment(store, id, true)),
    failAsyncPayment: async (id) => settled(settleAsyncPayment(store, id, false)),
    expireCheckout: async (id) => settled(expireSession(store, id, NO_REQUEST)),
    refund: async (paymentIntentId, amount) => settled(createRefund(store, { paymentIntent: paymentIntentId, amount, metadata: {} }, NO_REQUEST)),
    setCard: (customerId, card) => structuredClone(setCard(store, customerId, card)),
    events: () => structuredClone(store.all('event')),
    deliveries: () => structuredClone(sender.deliveries),
    redeliver: async (eventId) => sender.deliver(store.get('event', eventId)),
    deliver: (e, options) => sender.deliver(e, options),
    signedPayload: (e, options) => sender.signedPayload(e, options),
    paymentIntents: () => structuredClone(store.all('payment_intent')),
    flush: () => sender.flush(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  server.on('request', async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const target = new URL(req.url ?? '/', url);
    const send = (status: number, headers: Record<string, string>, text: string) => res.writeHead(status, headers).end(text);
    try {
      if (target.pathname.startsWith('/v1/')) {
        const r = api(method, target, req.headers, body);
        return send(r.status, r.headers, r.body);
      }
      if (target.pathname.startsWith('/checkout/')) {
        const r = await checkoutPage(store, method, target.pathname, (id) => fake.completeCheckout(id));
        return send(r.status, r.headers, r.body);
      }
      if (target.pathname.startsWith('/__control/')) {
        const r = await control(fake, method, target.pathname.slice('/__control/'.length), body);
        return send(r.status, { 'content-type': 'application/json' }, JSON.stringify(r.body));
      }
      send(404, { 'content-type': 'text/plain' }, 'Not found');
    } catch (err) {
      // A bug in the fake, not a Stripe answer: say so plainly.
      send(500, { 'content-type': 'text/plain' }, err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
  });
  return fake;
}
