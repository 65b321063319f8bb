import { z } from 'zod';
import type { FakeStripe } from '../fake-stripe';
import type { StripeEvent } from './types';

// `POST /__control/<action>` (JSON body) and `GET /__control/<list>`: the FakeStripe methods for a
// test in another process (a browser test driving the app, say).
const sessionId = z.object({ sessionId: z.string() });
const card = z.enum(['ok', 'declining']);
const event = z.looseObject({ id: z.string(), type: z.string() }).transform((e) => e as unknown as StripeEvent);

const actions: Record<string, (fake: FakeStripe, body: unknown) => unknown> = {
  'complete-checkout': (fake, body) => {
    const b = sessionId.extend({ async: z.boolean().optional(), card: card.optional() }).parse(body);
    return fake.completeCheckout(b.sessionId, { async: b.async, card: b.card });
  },
  'expire-checkout': (fake, body) => fake.expireCheckout(sessionId.parse(body).sessionId),
  'succeed-async-payment': (fake, body) => fake.succeedAsyncPayment(sessionId.parse(body).sessionId),
  'fail-async-payment': (fake, body) => fake.failAsyncPayment(sessionId.parse(body).sessionId),
  refund: (fake, body) => {
    const b = z.object({ paymentIntentId: z.string(), amount: z.number().int().optional() }).parse(body);
    return fake.refund(b.paymentIntentId, b.amount);
  },
  'set-card': (fake, body) => {
    const b = z.object({ customerId: z.string(), card }).parse(body);
    return fake.setCard(b.customerId, b.card);
  },
  redeliver: (fake, body) => fake.redeliver(z.object({ eventId: z.string() }).parse(body).eventId),
  deliver: (fake, body) => {
    const b = z.object({ event, timestamp: z.number().int().optional() }).parse(body);
    return fake.deliver(b.event, { timestamp: b.timestamp });
  },
  'signed-payload': (fake, body) => {
    const b = z.object({ event, timestamp: z.number().int().optional(), secret: z.string().optional() }).parse(body);
    return fake.signedPayload(b.event, { timestamp: b.timestamp, secret: b.secret });
  },
  flush: (fake) => fake.flush().then(() => ({ ok: true })),
};

const lists: Record<string, (fake: FakeStripe) => unknown> = {
  events: (fake) => fake.events(),
  deliveries: (fake) => fake.deliveries(),
  'payment-intents': (fake) => fake.paymentIntents(),
};

/** Answers a control request: 200 with the method's result, 400 with `{ error: { message } }` when it threw. */
export async function control(fake: FakeStripe, method: string, name: string, body: string): Promise<{ status: number; body: unknown }> {
  const handler = method === 'GET' ? lists[name] : method === 'POST' ? actions[name] : undefined;
  if (!handler) return { status: 404, body: { error: { message: `No control ${method} /__control/${name}` } } };
  try {
    return { status: 200, body: await handler(fake, body ? JSON.parse(body) : {}) };
  } catch (err) {
    return { status: 400, body: { error: { message: err instanceof Error ? err.message : String(err) } } };
  }
}
