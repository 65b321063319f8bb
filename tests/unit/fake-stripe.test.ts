import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../support/assert';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';

// The fake is driven with the real client and checked with the real signature verification,
// so passing here means the app's own Stripe code will work against it unchanged.

const SECRET = 'whsec_unit_test_secret';

interface Received {
  payload: string;
  signature: string;
}

let received: Received[];
let receiver: http.Server;
let fake: FakeStripe;
let stripe: Stripe;

/** The webhook events received so far, verified exactly as the app's endpoint will verify them. */
const verifiedEvents = () => received.map((r) => stripe.webhooks.constructEvent(r.payload, r.signature, SECRET));

beforeAll(async () => {
  receiver = http.createServer(async (req, res) => {
    let payload = '';
    for await (const chunk of req) payload += chunk;
    received.push({ payload, signature: String(req.headers['stripe-signature']) });
    res.writeHead(200).end('{"received":true}');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  fake = await startFakeStripe({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`, webhookSecret: SECRET });
  const { hostname, port } = new URL(fake.url);
  stripe = new Stripe('sk_test_fake_unit', { host: hostname, port: Number(port), protocol: 'http' });
});

afterAll(async () => {
  await fake.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  received = [];
});

const buyCredits = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
  stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 500, product_data: { name: '100 credits' } }, quantity: 2 }],
    client_reference_id: 'customer-7',
    metadata: { purchaseId: '5' },
    success_url: 'http://app.test/credits?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://app.test/credits',
    ...extra,
  });

describe('fake Stripe, through the stripe client', () => {
  it('creates a payment Checkout Session and reads it back', async () => {
    const session = await buyCredits();
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      amount_total: 1000,
      currency: 'usd',
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      client_reference_id: 'customer-7',
      metadata: { purchaseId: '5' },
    });
    expect(session.id).toMatch(/^cs_test_\w+$/);
    expect(session.url).toBe(`${fake.url}/checkout/${session.id}`);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toEqual(session);
  });

  it('delivers checkout.session.completed, signed as Stripe signs, when the customer pays', async () => {
    const session = await buyCredits({ payment_intent_data: { metadata: { purchaseId: '5' } } });
    await fake.completeCheckout(session.id);

    const events = verifiedEvents();
    expect(events.map((e) => e.type)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    const completed = events[1]!;
    expect(completed).toMatchObject({ object: 'event', livemode: false, api_version: Stripe.API_VERSION, request: { id: null } });
    expect(completed.id).toMatch(/^evt_/);
    const paid = completed.data.object as Stripe.Checkout.Session;
    expect(paid).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid', metadata: { purchaseId: '5' } });
    expect(paid.payment_intent).toMatch(/^pi_/);

    const pi = await stripe.paymentIntents.retrieve(paid.payment_intent as string);
    expect(pi).toMatchObject({ status: 'succeeded', amount: 1000, amount_received: 1000, metadata: { purchaseId: '5' } });
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).status).toBe('succeeded');
    expect(fake.deliveries().slice(-2).map((d) => d.status)).toEqual([200, 200]);
  });

  it('reports a delayed payment as unpaid, then as succeeded', async () => {
    const session = await buyCredits();
    await fake.completeCheckout(session.id, { async: true });
    await fake.succeedAsyncPayment(session.id);
    expect(verifiedEvents().map((e) => [e.type, (e.data.object as { payment_status?: string }).payment_status])).toEqual([
      ['checkout.session.completed', 'unpaid'],
      ['payment_intent.succeeded', undefined],
      ['checkout.session.async_payment_succeeded', 'paid'],
    ]);
  });

  it('saves a card in setup mode, then charges it off-session until it declines', async () => {
    const customer = await stripe.customers.create({ email: 'billing@acme.test', metadata: { customerId: '7' } });
    const setup = await stripe.checkout.sessions.create({ mode: 'setup', currency: 'usd', customer: customer.id, success_url: 'http://app.test/ok' });
    expect(setup.setup_intent).toMatch(/^seti_/);
    await fake.completeCheckout(setup.id);

    const { data: cards } = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(cards).toHaveLength(1);
    expect((await stripe.setupIntents.retrieve(setup.setup_intent as string)).payment_method).toBe(cards[0]!.id);
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: cards[0]!.id } });
    const saved = await stripe.customers.retrieve(customer.id);
    expect((saved as Stripe.Customer).invoice_settings.default_payment_method).toBe(cards[0]!.id);

    const charge = { amount: 2500, currency: 'usd', customer: customer.id, payment_method: cards[0]!.id, off_session: true, confirm: true };
    const topUp = await stripe.paymentIntents.create({ ...charge, metadata: { topUp: '1' } });
    expect(topUp.status).toBe('succeeded');
    expect(topUp.latest_charge).toMatch(/^ch_/);

    fake.setCard(customer.id, 'declining');
    const err = await rejection(stripe.paymentIntents.create({ ...charge, metadata: { topUp: '2' } }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(err.raw.payment_intent).toMatchObject({ status: 'requires_payment_method', metadata: { topUp: '2' } });
    expect(err.raw.payment_intent.id).toMatch(/^pi_/);

    await fake.flush();
    expect(verifiedEvents().map((e) => e.type)).toEqual(['checkout.session.completed', 'payment_intent.succeeded', 'payment_intent.payment_failed']);
    expect(fake.paymentIntents().filter((pi) => pi.customer === customer.id).map((pi) => pi.status)).toEqual(['succeeded', 'requires_payment_method']);
  });

  it('saves the card of a payment only when Checkout has a customer to save it on', async () => {
    const keep = { payment_intent_data: { setup_future_usage: 'off_session' as const } };
    const created = await fake.completeCheckout((await buyCredits({ ...keep, customer_creation: 'always' })).id);
    expect(created.customer).toMatch(/^cus_/);
    expect((await stripe.paymentMethods.list({ customer: created.customer! })).data).toHaveLength(1);

    const guest = await fake.completeCheckout((await buyCredits(keep)).id);
    expect(guest.customer).toBeNull();
    const pi = await stripe.paymentIntents.retrieve(guest.payment_intent!);
    expect((await stripe.paymentMethods.retrieve(pi.payment_method as string)).customer).toBeNull();
  });

  it('refunds part of a payment, then the rest, adding up amount_refunded', async () => {
    const session = await buyCredits();
    const paymentIntent = (await fake.completeCheckout(session.id)).payment_intent!;
    received = [];

    await stripe.refunds.create({ payment_intent: paymentIntent, amount: 300 });
    const rest = await stripe.refunds.create({ payment_intent: paymentIntent });
    expect(rest).toMatchObject({ object: 'refund', amount: 700, status: 'succeeded', payment_intent: paymentIntent });
    const charge = await stripe.charges.retrieve(rest.charge as string);
    expect(charge).toMatchObject({ amount: 1000, amount_refunded: 1000, refunded: true });

    await fake.flush();
    expect(
      verifiedEvents().map((e) => {
        const c = e.data.object as Stripe.Charge;
        return [e.type, c.payment_intent, c.amount_refunded, c.refunded, c.currency];
      }),
    ).toEqual([
      ['charge.refunded', paymentIntent, 300, false, 'usd'],
      ['charge.refunded', paymentIntent, 1000, true, 'usd'],
    ]);
    const again = await rejection(stripe.refunds.create({ payment_intent: paymentIntent }));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again.code).toBe('charge_already_refunded');
  });

  it('signs payloads that a wrong secret or a stale timestamp fails to verify', async () => {
    await fake.expireCheckout((await buyCredits()).id);
    const event = fake.events().at(-1)!;
    const good = fake.signedPayload(event);
    expect(stripe.webhooks.constructEvent(good.payload, good.header, SECRET).id).toBe(event.id);

    const forged = fake.signedPayload(event, { secret: 'whsec_attacker' });
    expect(() => stripe.webhooks.constructEvent(forged.payload, forged.header, SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    const stale = fake.signedPayload(event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(() => stripe.webhooks.constructEvent(stale.payload, stale.header, SECRET)).toThrow(/tolerance/);
    const tampered = good.payload.replace('"livemode": false', '"livemode": true');
    expect(() => stripe.webhooks.constructEvent(tampered, good.header, SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it("answers in Stripe's error shapes", async () => {
    const missing = await rejection(stripe.checkout.sessions.retrieve('cs_test_nope'));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such checkout.session: 'cs_test_nope'" });

    const badParam = await rejection(stripe.paymentIntents.create({ amount: 2500, currency: 'usd', customer: 'cus_nope' }));
    expect(badParam).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });

    const unauthenticated = await fetch(`${fake.url}/v1/customers`, { method: 'POST' });
    expect(unauthenticated.status).toBe(401);
    expect(((await unauthenticated.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('answers a retried request with the same Idempotency-Key without acting twice', async () => {
    const before = fake.paymentIntents().length;
    const customer = await stripe.customers.create({});
    fake.setCard(customer.id, 'ok');
    const [card] = (await stripe.customers.listPaymentMethods(customer.id)).data;
    const params = { amount: 900, currency: 'usd', customer: customer.id, payment_method: card!.id, off_session: true, confirm: true };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'top-up-42' });
    const retry = await stripe.paymentIntents.create(params, { idempotencyKey: 'top-up-42' });
    expect(retry.id).toBe(first.id);
    expect(fake.paymentIntents()).toHaveLength(before + 1);
    const misuse = await rejection(stripe.paymentIntents.create({ ...params, amount: 901 }, { idempotencyKey: 'top-up-42' }));
    expect(misuse).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('redirects from the hosted page to success_url once the events are delivered', async () => {
    const session = await buyCredits();
    expect(await (await fetch(session.url!)).text()).toContain('Pay');
    const paid = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`http://app.test/credits?session=${session.id}`);
    expect(verifiedEvents().map((e) => e.type)).toContain('checkout.session.completed');
  });

  it('expires a session over the control endpoint', async () => {
    const session = await buyCredits();
    const res = await fetch(`${fake.url}/__control/expire-checkout`, { method: 'POST', body: JSON.stringify({ sessionId: session.id }) });
    expect(res.status).toBe(200);
    expect(verifiedEvents().map((e) => [e.type, (e.data.object as Stripe.Checkout.Session).status])).toEqual([['checkout.session.expired', 'expired']]);
    expect(await rejection(stripe.checkout.sessions.expire(session.id))).toMatchObject({ statusCode: 400 });
  });
});
