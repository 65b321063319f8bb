import { createHmac } from 'node:crypto';
import { now } from './store';
import type { Delivery, StripeEvent } from './types';

// A receiver that hangs must not hold the queue (and every later event) forever.
const DELIVERY_TIMEOUT_MS = 10_000;

export interface SignOptions {
  /** The `t=` to sign with: an old one makes a stale delivery. */
  timestamp?: number;
  /** Sign with another secret, to forge a delivery the app must refuse. */
  secret?: string;
}

/** Stripe's signature: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the whole `whsec_…` string. */
function signatureHeader(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** Posts events to one webhook endpoint, one at a time in the order they happened, recording every attempt. */
export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string | undefined,
    readonly secret: string,
    private readonly onDelivery?: (delivery: Delivery) => void,
  ) {}

  signedPayload(event: StripeEvent, { timestamp = now(), secret = this.secret }: SignOptions = {}): { payload: string; header: string } {
    // Stripe sends pretty-printed JSON, so an app that re-serialises the body before verifying fails here too.
    const payload = JSON.stringify(event, null, 2);
    return { payload, header: signatureHeader(payload, secret, timestamp) };
  }

  /** Delivery in the background, as Stripe does: the API answer doesn't wait for the webhook. */
  enqueue(event: StripeEvent): void {
    if (this.url) this.queue = this.queue.then(() => this.deliver(event));
  }

  /** Resolves once every queued delivery, including ones queued meanwhile, has been attempted. */
  async flush(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
  }

  /** One signed POST, now; a failure is recorded in the result, never thrown. */
  async deliver(event: StripeEvent, options: SignOptions = {}): Promise<Delivery> {
    if (!this.url) throw new Error('The fake has no webhookUrl to deliver to.');
    const timestamp = options.timestamp ?? now();
    const { payload, header } = this.signedPayload(event, { ...options, timestamp });
    const delivery: Delivery = { eventId: event.id, type: event.type, url: this.url, timestamp, status: null, responseBody: '', error: null };
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': header,
        },
        body: payload,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      delivery.status = res.status;
      delivery.responseBody = (await res.text()).slice(0, 2000);
    } catch (err) {
      delivery.error = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    this.deliveries.push(delivery);
    this.onDelivery?.(delivery);
    return delivery;
  }
}
