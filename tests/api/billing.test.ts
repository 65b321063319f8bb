import pg from 'pg';
import type { Queryable } from '@/app/lib/db/types';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { anonymous, assertExactErrorShape, PASSWORD, server, signedIn, superAdmin, tenant, type ApiClient } from '../support/api';
import { sessionIdOf, stripeControl } from '../support/fake-stripe-control';
import { assertLedgerInvariants } from '../support/ledger-invariants';
import { startReceiver } from '../support/webhook-receiver';

/**
 * Payments over HTTP: the production server's billing against the fake Stripe started by the
 * global setup, which delivers its signed events to POST /api/webhooks/stripe. After each test the
 * server's ledger is checked (through SQL on either database).
 */

let admin: ApiClient;
let pack: { id: number; credits: number; unitAmount: number; currency: string };

beforeAll(async () => {
  // A SUPER_ADMIN of the suite's own: other suites end the bootstrap admin's sessions.
  const root = await superAdmin();
  const username = unique('billingsuper');
  await root.expectJson(root.post('/api/admin/users', { username, password: PASSWORD, role: 'SUPER_ADMIN' }), 201);
  admin = await signedIn(username, PASSWORD);
  ({ pack } = await admin.expectJson(admin.post('/api/admin/credit-packs', { name: unique('Pack'), credits: 100, unitAmount: 1000, currency: 'USD' }), 201));
});

afterEach(async () => {
  const client = new pg.Client({ connectionString: server().sqlUrl });
  await client.connect();
  try {
    await assertLedgerInvariants(client as unknown as Queryable, 'the API server');
  } finally {
    await client.end();
  }
});

async function buyer() {
  const t = await tenant(admin);
  const { user, client } = await t.makeUser('CUSTOMER_ADMIN');
  return { customer: t.customer as { id: number }, user, client, makeUser: t.makeUser };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('credit packs', () => {
  it('SUPER_ADMINs create, edit and take packs off sale; tenants see the ones on sale', async () => {
    const { client, makeUser } = await buyer();
    const { pack: p } = await admin.expectJson(admin.post('/api/admin/credit-packs', { name: unique('Big'), credits: 1000, unitAmount: 8000, currency: 'eur' }), 201);
    expect(p).toMatchObject({ credits: 1000, unitAmount: 8000, currency: 'eur', active: true });
    const { pack: edited } = await admin.expectJson(admin.patch(`/api/admin/credit-packs/${p.id}`, { unitAmount: 7500 }), 200);
    expect(edited).toMatchObject({ id: p.id, unitAmount: 7500, credits: 1000 });
    const { client: user } = await makeUser('USER');
    const visible = async (c: ApiClient) => (await c.expectJson(c.get('/api/billing/packs'), 200)).packs.map((x: { id: number }) => x.id);
    expect(await visible(user)).toContain(p.id);
    await admin.expectJson(admin.patch(`/api/admin/credit-packs/${p.id}`, { active: false }), 200);
    expect(await visible(client)).not.toContain(p.id);
    expect((await admin.expectJson(admin.get('/api/admin/credit-packs'), 200)).packs.map((x: { id: number }) => x.id)).toContain(p.id);
    // A pack off sale can't be bought.
    const refused = await client.expectJson(client.post('/api/billing/checkout', { packId: p.id }), 400);
    expect(refused).toMatchObject({ error: 'Pack not on sale', code: 'bad_request' });
  });

  it('bad packs are refused with the field named, and nothing is created', async () => {
    // Other suites create packs on the same server meanwhile: look for these bodies' own names, not a count.
    const name = unique('BadPack');
    for (const body of [
      { name, credits: 0, unitAmount: 100, currency: 'usd' },
      { name, credits: 10, unitAmount: 1.5, currency: 'usd' },
      { name, credits: 10, unitAmount: 100, currency: 'xyz' },
      { name: '', credits: 10, unitAmount: 100, currency: 'usd' },
      { name, credits: 10, unitAmount: 100, currency: 'usd', extra: true },
    ]) {
      const res = await admin.post('/api/admin/credit-packs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(assertExactErrorShape(await res.json()).code).toBe('validation_failed');
    }
    const { packs } = await admin.expectJson(admin.get('/api/admin/credit-packs'), 200);
    expect(packs.filter((p: { name: string }) => p.name === name || p.name === '')).toEqual([]);
  });
});

describe('buying through Checkout', () => {
  it('checkout → hosted page paid → webhook → credited once, listed with its receipt', async () => {
    const { customer, client } = await buyer();
    const { url, purchaseId } = await client.expectJson(client.post('/api/billing/checkout', { packId: pack.id }), 200);
    expect(url).toContain(`${server().stripeUrl}/checkout/cs_test_`);
    expect((await client.expectJson(client.get('/api/billing/purchases'), 200)).items[0]).toMatchObject({ id: purchaseId, status: 'pending' });

    const session = await stripeControl('complete-checkout', { sessionId: sessionIdOf(url) });
    expect(session.success_url).toBe(`${server().baseUrl}/billing?checkout=success&purchase=${purchaseId}`);
    const { purchase } = await client.expectJson(client.get(`/api/billing/purchases/${purchaseId}`), 200);
    expect(purchase).toMatchObject({ status: 'paid', credits: 100, amountFormatted: '$10.00', paymentIntentId: session.payment_intent, refunds: [] });
    expect(purchase.receiptNumber).toMatch(/^RT-\d{4}-\d{6}$/);
    const overview = await client.expectJson(client.get('/api/billing/overview'), 200);
    expect(overview).toMatchObject({ buyingEnabled: true, balance: 100, paid: 100, promotional: 0 });
    // Stripe's two events each reached the app and were answered 200.
    const deliveries = (await stripeControl<Array<{ type: string; status: number; eventId: string }>>('deliveries')).filter((d) =>
      ['checkout.session.completed', 'payment_intent.succeeded'].includes(d.type),
    );
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    // Resent: still 100.
    await stripeControl('redeliver', { eventId: deliveries.at(-1)!.eventId });
    expect((await client.expectJson(client.get('/api/billing/overview'), 200)).balance).toBe(100);

    // The SUPER_ADMIN sees it among every customer's purchases, and filtered by customer.
    const all = await admin.expectJson(admin.get(`/api/billing/purchases?customerId=${customer.id}`), 200);
    expect(all.items.map((p: { id: number; customerId: number }) => [p.id, p.customerId])).toEqual([[purchaseId, customer.id]]);
  });

  it('another tenant cannot read, cancel or buy for someone else’s customer; a USER cannot buy', async () => {
    const a = await buyer();
    const b = await buyer();
    const { purchaseId } = await a.client.expectJson(a.client.post('/api/billing/checkout', { packId: pack.id }), 200);
    expect((await b.client.expectJson(b.client.get(`/api/billing/purchases/${purchaseId}`), 404)).code).toBe('not_found');
    expect((await b.client.expectJson(b.client.post(`/api/billing/purchases/${purchaseId}/cancel`), 404)).code).toBe('not_found');
    expect((await b.client.expectJson(b.client.get(`/api/billing/purchases?customerId=${a.customer.id}`), 403)).code).toBe('forbidden');
    const { client: user } = await a.makeUser('USER');
    expect((await user.expectJson(user.post('/api/billing/checkout', { packId: pack.id }), 403)).code).toBe('forbidden');
    // The buyer walks away: cancelled, and the session can't be paid any more.
    await a.client.expectJson(a.client.post(`/api/billing/purchases/${purchaseId}/cancel`), 200);
    expect((await a.client.expectJson(a.client.get(`/api/billing/purchases/${purchaseId}`), 200)).purchase.status).toBe('cancelled');
  });
});

describe('purchase webhooks', () => {
  it("a customer's endpoint receives a signed purchase.completed when its checkout is paid, and purchase.refunded after a refund", async () => {
    const receiver = await startReceiver();
    try {
      const { customer, client } = await buyer();
      const { secret } = await client.expectJson(client.post('/api/admin/webhooks', { url: receiver.url, events: ['purchase.completed', 'purchase.refunded'] }), 201);
      receiver.secret = secret;
      const { url, purchaseId } = await client.expectJson(client.post('/api/billing/checkout', { packId: pack.id }), 200);
      const session = await stripeControl('complete-checkout', { sessionId: sessionIdOf(url) });

      const [completed] = await receiver.waitFor(1);
      expect(completed!.verifyError).toBeUndefined();
      expect(completed!.verified).toMatchObject({
        type: 'purchase.completed',
        data: { customerId: customer.id, purchase: { id: purchaseId, status: 'paid', credits: 100, unitAmount: 1000, paymentIntentId: session.payment_intent } },
      });

      await stripeControl('refund', { paymentIntentId: session.payment_intent, amount: 250 });
      const got = await receiver.waitFor(2);
      expect(got[1]!.verifyError).toBeUndefined();
      expect(got[1]!.verified).toMatchObject({
        type: 'purchase.refunded',
        data: { customerId: customer.id, purchase: { id: purchaseId, amountRefunded: 250, refundState: 'partial' }, refund: { amount: 250, creditsTakenBack: 25, shortfall: 0 } },
      });
      // One delivery each: Stripe's other events about the same payment raised none.
      expect(got.map((r) => r.verified?.type)).toEqual(['purchase.completed', 'purchase.refunded']);
    } finally {
      await receiver.close();
    }
  });
});

describe('POST /api/webhooks/stripe', () => {
  const event = { id: `evt_api_${Date.now()}`, object: 'event', type: 'checkout.session.completed', data: { object: { id: 'cs_test_nothing', object: 'checkout.session', mode: 'payment' } } };
  const post = (payload: string, signature?: string) =>
    fetch(`${server().baseUrl}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature && { 'stripe-signature': signature }) }, body: payload });

  it('refuses a missing, forged or stale signature with 400 in the error shape; takes a good one', async () => {
    const good = await stripeControl<{ payload: string; header: string }>('signed-payload', { event });
    const forged = await stripeControl<{ payload: string; header: string }>('signed-payload', { event, secret: 'whsec_forger' });
    const stale = await stripeControl<{ payload: string; header: string }>('signed-payload', { event, timestamp: Math.floor(Date.now() / 1000) - 400 });
    for (const [payload, header, error] of [
      [good.payload, undefined, 'Missing signature'],
      [forged.payload, forged.header, 'Invalid signature'],
      [stale.payload, stale.header, 'Invalid signature'],
      [good.payload.replace('cs_test_nothing', 'cs_test_other'), good.header, 'Invalid signature'],
    ] as const) {
      const res = await post(payload, header);
      expect(res.status).toBe(400);
      expect(assertExactErrorShape(await res.json())).toMatchObject({ error, code: 'bad_request' });
    }
    const ok = await post(good.payload, good.header);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ received: true, outcome: 'no matching purchase: ignored' });
    expect(await (await post(good.payload, good.header)).json()).toEqual({ received: true, outcome: 'duplicate' });
    // No session needed, and a GET is a 405 in the error shape.
    const get = await anonymous().get('/api/webhooks/stripe');
    expect(get.status).toBe(405);
  });
});

describe('auto top-up over HTTP', () => {
  it('20 concurrent debits crossing the threshold: the server charges exactly once, then credits it', async () => {
    const { customer, client } = await buyer();
    const put = await client.expectJson(client.put('/api/billing/auto-top-up', { enabled: true, thresholdCredits: 50, packId: pack.id, monthlyLimit: 3 }), 200);
    expect(put.autoTopUp).toMatchObject({ enabled: true, thresholdCredits: 50, packId: pack.id, monthlyLimit: 3, card: null });
    expect(put.url).toContain('/checkout/cs_test_');
    await stripeControl('complete-checkout', { sessionId: sessionIdOf(put.url) });
    expect((await client.expectJson(client.get('/api/billing/auto-top-up'), 200)).autoTopUp.card).toMatchObject({ last4: '4242' });
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 100, description: 'start' }), 200);

    const debits = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.post('/api/admin/credits/deduct', { customerId: customer.id, amount: 5, description: `debit ${i}` })),
    );
    expect(debits.map((r) => r.status)).toEqual(Array(20).fill(200));
    const paid = await waitFor('the auto top-up to be credited', async () => {
      const list = await client.expectJson(client.get('/api/billing/purchases?status=paid'), 200);
      return list.items.find((p: { kind: string }) => p.kind === 'auto_top_up');
    });
    // A few more job passes: still one charge.
    await new Promise((r) => setTimeout(r, 2_500));
    const intents = (await stripeControl<Array<{ id: string; metadata: Record<string, string> }>>('payment-intents')).filter(
      (pi) => pi.metadata.kind === 'auto_top_up' && pi.metadata.customerId === String(customer.id),
    );
    expect(intents.map((pi) => pi.id)).toEqual([paid.paymentIntentId]);
    const overview = await client.expectJson(client.get('/api/billing/overview'), 200);
    expect(overview).toMatchObject({ balance: 100, autoTopUp: { state: 'armed', chargesThisMonth: 1 } });
  });

  it('settings are validated, and a SUPER_ADMIN must name the customer', async () => {
    const { client } = await buyer();
    const bad = await client.expectJson(client.put('/api/billing/auto-top-up', { enabled: true, thresholdCredits: -1, packId: pack.id, monthlyLimit: 1 }), 400);
    expect(bad.details).toHaveProperty('thresholdCredits');
    expect((await client.expectJson(client.put('/api/billing/auto-top-up', { enabled: true }), 400)).error).toBe('Choose a pack');
    expect((await admin.expectJson(admin.get('/api/billing/auto-top-up'), 400)).error).toBe('customerId is required');
    expect((await admin.expectJson(admin.get('/api/billing/overview?customerId=2000000000'), 404)).error).toBe('Customer not found');
  });
});
