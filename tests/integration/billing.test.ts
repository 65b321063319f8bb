import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/app/lib/auth/caller';
import {
  autoTopUpSettings,
  billingOverview,
  cancelCheckout,
  createPack,
  getPurchase,
  listPurchases,
  receiveStripeEvent,
  runAutoTopUps,
  saveAutoTopUp,
  startCheckout,
  updatePack,
  type CreditPack,
} from '@/app/lib/billing';
import { addCredits, consumeCredits, getBalance } from '@/app/lib/credits';
import type { Db } from '@/app/lib/db/types';
import { rejection } from '../support/assert';
import { startBillingHarness, type BillingHarness } from '../support/billing-harness';
import { createTestDb, type TestDatabase } from '../support/db';
import type { StripeEvent } from '../support/fake-stripe';
import { grantsOf, newCustomer, newUser, rowsOf } from '../support/ledger-fixtures';
import { bookPayment, lockPurchase } from '@/app/lib/billing/purchases';
import { createWebhook } from '@/app/lib/webhooks';

/**
 * Payments (issue 12) end to end below HTTP: the app's own billing code and Stripe client against
 * the fake Stripe, whose signed webhook deliveries reach the same function the webhook route calls.
 * The ledger invariants are checked after every test (tests/support/invariants-setup.ts).
 */

let t: TestDatabase;
let db: Db;
let stripe: BillingHarness;
let pack: CreditPack;
let platform: Actor;
const APP = 'http://app.test';

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  stripe = await startBillingHarness(db);
  platform = await newUser(db, null, 'SUPER_ADMIN');
  pack = await createPack(db, platform, { name: 'Starter', credits: 100, unitAmount: 1000, currency: 'usd' });
});
afterAll(async () => {
  await stripe?.close();
  await t?.drop();
});

async function tenant(): Promise<{ customerId: number; admin: Actor }> {
  const customerId = await newCustomer(db, 'Billing');
  const u = await newUser(db, customerId, 'CUSTOMER_ADMIN');
  return {
    customerId,
    admin: { id: u.id, username: u.username },
  };
}

const sessionOf = (purchaseId: number) =>
  db.query<{ checkout_session_id: string }>('SELECT checkout_session_id FROM purchases WHERE id = $1', [purchaseId]).then((r) => r.rows[0]!.checkout_session_id);

const purchaseRows = (customerId: number) => rowsOf(db, customerId).then((rows) => rows.filter((r) => r.type === 'purchase'));

/** A customer that bought `pack` through Checkout: its purchase, paid. */
async function bought(customerId: number, admin: Actor, p = pack) {
  const { purchaseId } = await startCheckout(db, admin, customerId, p.id, APP);
  await stripe.fake.completeCheckout(await sessionOf(purchaseId));
  return getPurchase(db, purchaseId, customerId);
}

const eventsFor = (type: string, objectId: string) => stripe.fake.events().filter((e) => e.type === type && (e.data.object as { id: string }).id === objectId);

describe('buying a pack through Checkout', () => {
  it('credits once, on the verified webhook, for the price recorded on the purchase', async () => {
    const { customerId, admin } = await tenant();
    const { url, purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    expect(url).toMatch(new RegExp(`^${stripe.fake.url}/checkout/cs_test_`));
    // Nothing is credited before Stripe says it was paid.
    expect((await getPurchase(db, purchaseId, customerId)).status).toBe('pending');
    expect((await getBalance(db, customerId)).balance).toBe(0);

    const sessionId = await sessionOf(purchaseId);
    const session = await stripe.fake.completeCheckout(sessionId);
    expect(session).toMatchObject({
      mode: 'payment',
      amount_total: 1000,
      currency: 'usd',
      client_reference_id: `customer-${customerId}_purchase-${purchaseId}`,
      metadata: { customerId: String(customerId), packId: String(pack.id), purchaseId: String(purchaseId) },
      success_url: `${APP}/billing?checkout=success&purchase=${purchaseId}`,
      cancel_url: `${APP}/billing?checkout=cancelled&purchase=${purchaseId}`,
    });
    // Stripe sent both payment_intent.succeeded and checkout.session.completed: one credit.
    const piId = session.payment_intent as string;
    expect(stripe.fake.deliveries().filter((d) => d.status !== 200)).toEqual([]);
    const purchase = await getPurchase(db, purchaseId, customerId);
    expect(purchase).toMatchObject({ status: 'paid', credits: 100, unitAmount: 1000, currency: 'usd', amountFormatted: '$10.00', paymentIntentId: piId, refundState: 'none' });
    expect(purchase.receiptNumber).toMatch(new RegExp(`^RT-\\d{4}-${String(purchaseId).padStart(6, '0')}$`));
    const rows = await db.query<{ type: string; category: string; amount: number; payment_id: string; user_id: number }>(
      `SELECT type, category, amount, payment_id, user_id FROM credit_transactions WHERE customer_id = $1`,
      [customerId],
    );
    expect(rows.rows).toEqual([{ type: 'purchase', category: 'paid', amount: 100, payment_id: piId, user_id: admin.id }]);
    const overview = await billingOverview(db, customerId);
    expect(overview).toMatchObject({ buyingEnabled: true, balance: 100, paid: 100, promotional: 0 });
    expect((await listPurchases(db, customerId, {})).items.map((p) => p.id)).toEqual([purchaseId]);
  });

  it('a pack edited after the purchase started still sells at the price the purchase recorded', async () => {
    const { customerId, admin } = await tenant();
    const p = await createPack(db, platform, { name: 'Editable', credits: 50, unitAmount: 700, currency: 'eur' });
    const { purchaseId } = await startCheckout(db, admin, customerId, p.id, APP);
    await db.query('UPDATE credit_packs SET unit_amount = 900, credits = 60 WHERE id = $1', [p.id]);
    await stripe.fake.completeCheckout(await sessionOf(purchaseId));
    expect(await getPurchase(db, purchaseId, customerId)).toMatchObject({ status: 'paid', credits: 50, unitAmount: 700, amountFormatted: '€7.00' });
    expect((await getBalance(db, customerId)).balance).toBe(50);
  });

  it('a cancelled checkout can no longer be paid and credits nothing', async () => {
    const { customerId, admin } = await tenant();
    const { purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    await cancelCheckout(db, customerId, purchaseId);
    await stripe.fake.flush();
    const sessionId = await sessionOf(purchaseId);
    expect(eventsFor('checkout.session.expired', sessionId)).toHaveLength(1);
    expect((await getPurchase(db, purchaseId, customerId)).status).toBe('cancelled');
    expect(String(await rejection(stripe.fake.completeCheckout(sessionId)))).toMatch(/status of "open"/);
    expect(await rowsOf(db, customerId)).toEqual([]);
    // Another tenant's purchase can't be cancelled by naming its id.
    const other = await tenant();
    expect(await rejection(cancelCheckout(db, other.customerId, purchaseId))).toMatchObject({ status: 404 });
  });

  it('an expired checkout marks the purchase expired', async () => {
    const { customerId, admin } = await tenant();
    const { purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    await stripe.fake.expireCheckout(await sessionOf(purchaseId));
    expect((await getPurchase(db, purchaseId, customerId)).status).toBe('expired');
    expect(await rowsOf(db, customerId)).toEqual([]);
  });

  it('a delayed payment is credited when it clears, not when the session completes', async () => {
    const { customerId, admin } = await tenant();
    const { purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    const sessionId = await sessionOf(purchaseId);
    await stripe.fake.completeCheckout(sessionId, { async: true });
    expect((await getPurchase(db, purchaseId, customerId)).status).toBe('pending');
    expect((await getBalance(db, customerId)).balance).toBe(0);
    await stripe.fake.succeedAsyncPayment(sessionId);
    expect((await getPurchase(db, purchaseId, customerId)).status).toBe('paid');
    expect((await getBalance(db, customerId)).balance).toBe(100);
  });
});

describe('webhook events', () => {
  it('replayed, duplicated and reordered events change nothing', async () => {
    const { customerId, admin } = await tenant();
    const purchase = await bought(customerId, admin);
    const sessionId = await sessionOf(purchase.id);
    const completed = eventsFor('checkout.session.completed', sessionId)[0]!;
    const succeeded = eventsFor('payment_intent.succeeded', purchase.paymentIntentId!)[0]!;
    // The Dashboard's Resend, twice at once, and the other event again.
    const again = await Promise.all([stripe.fake.redeliver(completed.id), stripe.fake.redeliver(completed.id), stripe.fake.redeliver(succeeded.id)]);
    expect(again.map((d) => d.status)).toEqual([200, 200, 200]);
    // The same payment under a new event id (as async_payment_succeeded would be): still one credit.
    const copy = { ...completed, id: `${completed.id}_copy`, type: 'checkout.session.async_payment_succeeded' } as StripeEvent;
    expect((await stripe.fake.deliver(copy)).status).toBe(200);
    // An expiry delivered late, out of order, leaves the paid purchase as it is.
    const lateExpiry = { ...completed, id: `${completed.id}_expired`, type: 'checkout.session.expired', data: { object: { ...completed.data.object, status: 'expired' } } } as StripeEvent;
    expect((await stripe.fake.deliver(lateExpiry)).status).toBe(200);
    expect((await purchaseRows(customerId)).length).toBe(1);
    expect((await getBalance(db, customerId)).balance).toBe(100);
    expect((await getPurchase(db, purchase.id, customerId)).status).toBe('paid');
    const outcomes = await db.query<{ id: string; outcome: string }>('SELECT id, outcome FROM stripe_events WHERE id LIKE $1 ORDER BY id', [`${completed.id}%`]);
    expect(outcomes.rows).toEqual([
      { id: completed.id, outcome: 'credited' },
      { id: `${completed.id}_copy`, outcome: 'already credited' },
      { id: `${completed.id}_expired`, outcome: 'left paid' },
    ]);
  });

  it('an unknown event type is answered 200 and ignored', async () => {
    const event = { id: 'evt_unknown_type_1', object: 'event', type: 'customer.created', data: { object: { id: 'cus_x' } } } as unknown as StripeEvent;
    expect((await stripe.fake.deliver(event)).status).toBe(200);
    expect((await db.query('SELECT outcome FROM stripe_events WHERE id = $1', [event.id])).rows).toEqual([{ outcome: 'ignored' }]);
  });

  it('a forged signature, a missing one and a stale timestamp are refused with 400, changing nothing', async () => {
    const { customerId, admin } = await tenant();
    const { purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    // A paid session's event, built but never delivered by Stripe.
    const forgedEvent = {
      id: 'evt_forged_1',
      object: 'event',
      type: 'checkout.session.completed',
      data: { object: { id: await sessionOf(purchaseId), object: 'checkout.session', mode: 'payment', payment_status: 'paid', payment_intent: 'pi_forged', amount_total: 1000, currency: 'usd', metadata: { customerId: String(customerId), purchaseId: String(purchaseId) } } },
    } as unknown as StripeEvent;
    const forged = stripe.fake.signedPayload(forgedEvent, { secret: 'whsec_not_the_real_secret' });
    expect(await rejection(receiveStripeEvent(db, forged.payload, forged.header))).toMatchObject({ status: 400, message: 'Invalid signature' });
    expect(await rejection(receiveStripeEvent(db, forged.payload, null))).toMatchObject({ status: 400, message: 'Missing signature' });
    const stale = stripe.fake.signedPayload(forgedEvent, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(await rejection(receiveStripeEvent(db, stale.payload, stale.header))).toMatchObject({ status: 400, details: expect.stringMatching(/tolerance/i) });
    // A body altered after signing.
    const good = stripe.fake.signedPayload(forgedEvent);
    expect(await rejection(receiveStripeEvent(db, good.payload.replace('"amount_total": 1000', '"amount_total": 1'), good.header))).toMatchObject({ status: 400 });
    expect((await getPurchase(db, purchaseId, customerId)).status).toBe('pending');
    expect(await rowsOf(db, customerId)).toEqual([]);
    expect((await db.query('SELECT 1 FROM stripe_events WHERE id = $1', ['evt_forged_1'])).rows).toEqual([]);
    // Properly signed, 200 s old (within the tolerance), the same event is taken.
    const fresh = stripe.fake.signedPayload(forgedEvent, { timestamp: Math.floor(Date.now() / 1000) - 200 });
    expect(await receiveStripeEvent(db, fresh.payload, fresh.header)).toEqual({ received: true, outcome: 'credited' });
    expect((await getBalance(db, customerId)).balance).toBe(100);
  });

  it('a payment that does not match the recorded price is flagged: no credits, an audit entry the admins see', async () => {
    const { customerId, admin } = await tenant();
    const { purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    // The price recorded on the purchase differs from what Stripe charged.
    await db.query('UPDATE purchases SET unit_amount = 1500 WHERE id = $1', [purchaseId]);
    await stripe.fake.completeCheckout(await sessionOf(purchaseId));
    const purchase = await getPurchase(db, purchaseId, customerId);
    expect(purchase.status).toBe('flagged');
    expect(purchase.problem).toMatch(/Paid \$10\.00 .* price was \$15\.00/);
    expect(await rowsOf(db, customerId)).toEqual([]);
    const { alerts } = await billingOverview(db, customerId);
    expect(alerts.map((a) => [a.kind, a.purchaseId])).toEqual([['amount_mismatch', purchaseId]]);
  });
});

describe('refunds', () => {
  it('a refund event that arrives before its payment is credited is answered 409 (Stripe retries it), then applies', async () => {
    const { customerId, admin } = await tenant();
    const { purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    const sessionId = await sessionOf(purchaseId);
    const session = await stripe.fake.completeCheckout(sessionId, { async: true });
    const piId = session.payment_intent as string;
    // charge.refunded for that payment, delivered ahead of the payment's own events.
    const early = {
      id: 'evt_refund_before_payment',
      object: 'event',
      type: 'charge.refunded',
      data: { object: { id: 'ch_early', object: 'charge', amount: 1000, amount_refunded: 400, currency: 'usd', payment_intent: piId, metadata: { customerId: String(customerId), purchaseId: String(purchaseId) } } },
    } as unknown as StripeEvent;
    expect((await stripe.fake.deliver(early)).status).toBe(409);
    expect((await db.query('SELECT 1 FROM stripe_events WHERE id = $1', [early.id])).rows).toEqual([]);
    await stripe.fake.succeedAsyncPayment(sessionId);
    expect((await getBalance(db, customerId)).balance).toBe(100);
    // Stripe's retry: now it applies, once.
    expect((await stripe.fake.deliver(early)).status).toBe(200);
    expect((await stripe.fake.deliver(early)).status).toBe(200);
    expect(await getPurchase(db, purchaseId, customerId)).toMatchObject({ amountRefunded: 400, creditsTakenBack: 40 });
    expect((await getBalance(db, customerId)).balance).toBe(60);
  });

  it('partial, then full, after partial spending: credits come back from that purchase only, the rest is a shortfall', async () => {
    const { customerId, admin } = await tenant();
    const purchase = await bought(customerId, admin);
    await consumeCredits(db, { customerId, userId: admin.id, amount: 70, description: 'look-ups' });
    const promo = await addCredits(db, { customerId, userId: null, type: 'admin_grant', amount: 50, description: 'promotion' });

    // Half the money back: 50 credits owed, 30 left on the purchase's grant.
    await stripe.fake.refund(purchase.paymentIntentId!, 500);
    let p = await getPurchase(db, purchase.id, customerId);
    expect(p).toMatchObject({ amountRefunded: 500, creditsTakenBack: 30, refundShortfall: 20, refundState: 'partial' });
    expect(p.refunds).toMatchObject([{ amount: 500, amountRefunded: 500, creditsTakenBack: 30, shortfall: 20 }]);
    expect((await getBalance(db, customerId)).balance).toBe(50);
    const grants = Object.fromEntries((await grantsOf(db, customerId)).map((g) => [g.id, g]));
    expect(grants[promo.id]).toMatchObject({ remaining: 50, closed: null });
    expect(grants[purchase.transactionId!]).toMatchObject({ remaining: 0, closed: 'voided' });
    const voids = (await rowsOf(db, customerId)).filter((r) => r.type === 'void');
    expect(voids).toEqual([{ id: p.refunds[0]!.transactionId, type: 'void', amount: -30, grant_id: purchase.transactionId }]);

    // The rest of the money: 50 more owed, nothing left to take.
    await stripe.fake.refund(purchase.paymentIntentId!);
    p = await getPurchase(db, purchase.id, customerId);
    expect(p).toMatchObject({ amountRefunded: 1000, creditsTakenBack: 30, refundShortfall: 70, refundState: 'full' });
    expect((await getBalance(db, customerId)).balance).toBe(50);
    expect((await billingOverview(db, customerId)).alerts.map((a) => a.kind)).toEqual(['refund_shortfall', 'refund_shortfall']);
  });

  it('a partial refund of an unspent purchase takes back its share and leaves the rest spendable; old totals change nothing', async () => {
    const { customerId, admin } = await tenant();
    const purchase = await bought(customerId, admin);
    await stripe.fake.refund(purchase.paymentIntentId!, 250);
    await stripe.fake.refund(purchase.paymentIntentId!, 333);
    const p = await getPurchase(db, purchase.id, customerId);
    // floor(100 × 583 / 1000) = 58 in all, cumulative (not 25 + 33 = 58 by luck: 2.5 + 3.33 would round to 25 + 33).
    expect(p).toMatchObject({ amountRefunded: 583, creditsTakenBack: 58, refundShortfall: 0 });
    expect((await getBalance(db, customerId)).balance).toBe(42);
    expect((await grantsOf(db, customerId))[0]).toMatchObject({ remaining: 42, closed: null });
    // The first refund's event again, and out of order under a new id: nothing more is taken.
    const [first] = stripe.fake.events().filter((e) => e.type === 'charge.refunded' && (e.data.object as { payment_intent: string }).payment_intent === purchase.paymentIntentId);
    await stripe.fake.redeliver(first!.id);
    await stripe.fake.deliver({ ...first!, id: `${first!.id}_late` });
    expect((await getBalance(db, customerId)).balance).toBe(42);
    await consumeCredits(db, { customerId, userId: null, amount: 42, description: 'spend the rest' });
  });
});

describe('purchase events for webhooks', () => {
  /** A customer with an endpoint subscribed to both purchase events (nobody listening: none would be written). */
  async function subscribed() {
    const t = await tenant();
    process.env.WEBHOOK_ALLOW_PRIVATE = 'true';
    try {
      await createWebhook(db, platform, t.customerId, { url: 'http://127.0.0.1:9/purchases', events: ['purchase.completed', 'purchase.refunded'] }, ['billing-test-secret']);
    } finally {
      delete process.env.WEBHOOK_ALLOW_PRIVATE;
    }
    return t;
  }
  const eventsOf = (customerId: number) =>
    db
      .query<{ type: string; data: Record<string, any> }>(`SELECT type, data FROM outbox_events WHERE customer_id = $1 AND type LIKE 'purchase.%' ORDER BY id`, [customerId])
      .then((r) => r.rows);

  it('purchase.completed once when the payment is credited (not for its resent event), purchase.refunded per refund', async () => {
    const { customerId, admin } = await subscribed();
    const purchase = await bought(customerId, admin);
    for (const e of eventsFor('checkout.session.completed', await sessionOf(purchase.id))) await stripe.fake.redeliver(e.id);
    await stripe.fake.refund(purchase.paymentIntentId!, 300);
    const events = await eventsOf(customerId);
    expect(events.map((e) => e.type)).toEqual(['purchase.completed', 'purchase.refunded']);
    expect(events[0]!.data).toEqual({
      customerId,
      purchase: expect.objectContaining({ id: purchase.id, status: 'paid', credits: 100, unitAmount: 1000, currency: 'usd', receiptNumber: purchase.receiptNumber, transactionId: purchase.transactionId }),
    });
    const refunded = await getPurchase(db, purchase.id, customerId);
    expect(events[1]!.data).toEqual({
      customerId,
      purchase: expect.objectContaining({ id: purchase.id, amountRefunded: 300, creditsTakenBack: 30, refundState: 'partial' }),
      refund: { amount: 300, creditsTakenBack: 30, shortfall: 0, transactionId: refunded.refunds[0]!.transactionId },
    });
  });

  it('a booking that rolls back emits nothing', async () => {
    const { customerId, admin } = await subscribed();
    const { purchaseId } = await startCheckout(db, admin, customerId, pack.id, APP);
    await expect(
      db.transaction(async (tx) => {
        const purchase = (await lockPurchase(tx, { id: purchaseId }))!;
        expect(await bookPayment(tx, purchase, { paymentIntentId: 'pi_rolled_back', amount: 1000, currency: 'usd' })).toBe('credited');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await eventsOf(customerId)).toEqual([]);
    expect((await getPurchase(db, purchaseId, customerId)).status).toBe('pending');
  });
});

async function withCard(customerId: number, admin: Actor, settings: { thresholdCredits: number; monthlyLimit: number; packId?: number }) {
  const saved = await saveAutoTopUp(db, admin, customerId, { enabled: true, packId: pack.id, ...settings }, APP);
  expect(saved.url).toMatch(/\/checkout\/cs_test_/);
  const setupSession = saved.url!.split('/').pop()!;
  await stripe.fake.completeCheckout(setupSession);
  const account = await db.query<{ stripe_customer_id: string }>('SELECT stripe_customer_id FROM billing_accounts WHERE customer_id = $1', [customerId]);
  expect((await autoTopUpSettings(db, customerId)).card).toMatchObject({ brand: 'visa', last4: '4242' });
  void admin;
  return account.rows[0]!.stripe_customer_id;
}

const chargesOf = (stripeCustomer: string) => stripe.fake.paymentIntents().filter((pi) => pi.customer === stripeCustomer && pi.metadata.kind === 'auto_top_up');

describe('auto top-up', () => {
  it('20 concurrent debits across the threshold and three runners: exactly one charge, credited by its webhook, then re-armed', async () => {
    const { customerId, admin } = await tenant();
    const stripeCustomer = await withCard(customerId, admin, { thresholdCredits: 50, monthlyLimit: 5 });
    await addCredits(db, { customerId, userId: null, type: 'admin_grant', amount: 100, description: 'start' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => consumeCredits(db, { customerId, userId: null, amount: 5, description: `debit ${i}` })));
    expect((await getBalance(db, customerId)).balance).toBe(0);
    expect((await autoTopUpSettings(db, customerId)).state).toBe('due');

    await Promise.all([runAutoTopUps(db), runAutoTopUps(db), runAutoTopUps(db)]);
    await stripe.fake.flush();
    await runAutoTopUps(db);
    await stripe.fake.flush();
    const charges = chargesOf(stripeCustomer);
    expect(charges.map((c) => [c.amount, c.status, c.metadata.kind])).toEqual([[1000, 'succeeded', 'auto_top_up']]);
    expect((await purchaseRows(customerId)).map((r) => r.amount)).toEqual([100]);
    expect((await getBalance(db, customerId)).balance).toBe(100);
    const settings = await autoTopUpSettings(db, customerId);
    expect(settings).toMatchObject({ state: 'armed', consecutiveFailures: 0, chargesThisMonth: 1, enabled: true });
    const [topUp] = (await listPurchases(db, customerId, {})).items;
    expect(topUp).toMatchObject({ kind: 'auto_top_up', status: 'paid', paymentIntentId: charges[0]!.id });
    // Sent with the purchase's own random idempotency key: a retry after a crash can't charge twice,
    // and another installation's purchase with the same id can't be replayed into this one.
    const { rows } = await db.query<{ stripe_request_key: string }>('SELECT stripe_request_key FROM purchases WHERE id = $1', [topUp!.id]);
    expect(rows[0]!.stripe_request_key).toMatch(/^[0-9a-f-]{36}$/);
    expect(eventsFor('payment_intent.succeeded', charges[0]!.id)[0]!.request).toMatchObject({ idempotency_key: `auto-top-up-${rows[0]!.stripe_request_key}` });
  });

  it('does not re-arm while the balance stays below the threshold, and keeps to the monthly limit', async () => {
    const { customerId, admin } = await tenant();
    const stripeCustomer = await withCard(customerId, admin, { thresholdCredits: 150, monthlyLimit: 1 });
    await addCredits(db, { customerId, userId: null, type: 'admin_grant', amount: 160, description: 'start' });
    await consumeCredits(db, { customerId, userId: null, amount: 20, description: 'cross' });
    await runAutoTopUps(db);
    await stripe.fake.flush();
    // 140 + 100 = 240 ≥ 150: re-armed. Down again below 150: due, but this month's one charge is used.
    expect((await autoTopUpSettings(db, customerId)).state).toBe('armed');
    await consumeCredits(db, { customerId, userId: null, amount: 100, description: 'cross again' });
    await runAutoTopUps(db);
    await stripe.fake.flush();
    expect(chargesOf(stripeCustomer)).toHaveLength(1);
    const s = await autoTopUpSettings(db, customerId);
    expect(s.state).toBe('due');
    const nextMonth = new Date();
    nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1, 1);
    expect(s.nextAttemptAt?.slice(0, 7)).toBe(nextMonth.toISOString().slice(0, 7));
  });

  it('a declined off-session charge counts once (API error and payment_intent.payment_failed), three in a row switch it off', async () => {
    const { customerId, admin } = await tenant();
    const stripeCustomer = await withCard(customerId, admin, { thresholdCredits: 50, monthlyLimit: 10 });
    stripe.fake.setCard(stripeCustomer, 'declining');
    await addCredits(db, { customerId, userId: null, type: 'admin_grant', amount: 60, description: 'start' });
    await consumeCredits(db, { customerId, userId: null, amount: 20, description: 'cross' });

    await runAutoTopUps(db);
    await stripe.fake.flush();
    expect(chargesOf(stripeCustomer).map((c) => c.status)).toEqual(['requires_payment_method']);
    let s = await autoTopUpSettings(db, customerId);
    expect(s).toMatchObject({ enabled: true, consecutiveFailures: 1, state: 'due', disabledReason: null });
    const failedEvent = stripe.fake.events().filter((e) => e.type === 'payment_intent.payment_failed').pop()!;
    expect((await db.query('SELECT outcome FROM stripe_events WHERE id = $1', [failedEvent.id])).rows).toEqual([{ outcome: 'failure already counted' }]);
    expect((await listPurchases(db, customerId, {})).items[0]).toMatchObject({ kind: 'auto_top_up', status: 'failed', problem: 'Your card was declined.' });

    await runAutoTopUps(db);
    await stripe.fake.flush();
    await runAutoTopUps(db);
    await stripe.fake.flush();
    s = await autoTopUpSettings(db, customerId);
    expect(s).toMatchObject({ enabled: false, consecutiveFailures: 3 });
    expect(s.disabledReason).toMatch(/switched itself off after 3 failed charges/);
    const { alerts } = await billingOverview(db, customerId);
    expect(alerts[0]).toMatchObject({ kind: 'auto_top_up_disabled' });
    expect(alerts.filter((a) => a.kind === 'auto_top_up_failed')).toHaveLength(3);
    // Off means off: no fourth charge, and no credits were ever added for the declines.
    await consumeCredits(db, { customerId, userId: null, amount: 10, description: 'more' });
    await runAutoTopUps(db);
    await stripe.fake.flush();
    expect(chargesOf(stripeCustomer)).toHaveLength(3);
    expect(await purchaseRows(customerId)).toEqual([]);

    // Turned on again with a good card: the failures are forgotten and the next charge goes through.
    stripe.fake.setCard(stripeCustomer, 'ok');
    await saveAutoTopUp(db, admin, customerId, { enabled: true }, APP);
    await runAutoTopUps(db);
    await stripe.fake.flush();
    expect(await autoTopUpSettings(db, customerId)).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
    expect((await purchaseRows(customerId)).map((r) => r.amount)).toEqual([100]);
  });

  it('a purchase made with auto top-up on saves its card for off-session charges', async () => {
    const { customerId, admin } = await tenant();
    await saveAutoTopUp(db, admin, customerId, { enabled: true, packId: pack.id, thresholdCredits: 10, monthlyLimit: 1 }, APP);
    expect((await autoTopUpSettings(db, customerId)).card).toBeNull();
    await bought(customerId, admin);
    expect((await autoTopUpSettings(db, customerId)).card).toMatchObject({ last4: '4242' });
  });
});

describe('without STRIPE_SECRET_KEY', () => {
  it('buying is off: the overview says so and a checkout is refused, changing nothing', async () => {
    const { customerId, admin } = await tenant();
    const key = process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_SECRET_KEY;
    try {
      expect((await billingOverview(db, customerId)).buyingEnabled).toBe(false);
      expect(await rejection(startCheckout(db, admin, customerId, pack.id, APP))).toMatchObject({ status: 503, message: 'Buying is off' });
      expect((await listPurchases(db, customerId, {})).total).toBe(0);
    } finally {
      process.env.STRIPE_SECRET_KEY = key;
    }
  });
});

describe('the audit log', () => {
  const eventsOf = (where: string, params: unknown[]) =>
    db
      .query<{ action: string; actor_id: number | null; customer_id: number | null; target_type: string | null; target_id: number | null; before: unknown; after: unknown }>(
        `SELECT action, actor_id, customer_id, target_type, target_id, before, after FROM audit_events WHERE ${where} ORDER BY id`,
        params,
      )
      .then((r) => r.rows.map((e) => ({ ...e, target_id: e.target_id === null ? null : Number(e.target_id) })));

  it('records pack changes and auto top-up settings with the admin who made them, before and after', async () => {
    const p = await createPack(db, platform, { name: 'Audited', credits: 20, unitAmount: 300, currency: 'usd' });
    await updatePack(db, platform, p.id, { unitAmount: 350, active: false });
    expect(await eventsOf("target_type = 'credit_pack' AND target_id = $1", [p.id])).toEqual([
      {
        action: 'billing.pack_created',
        actor_id: platform.id,
        customer_id: null,
        target_type: 'credit_pack',
        target_id: p.id,
        before: null,
        after: { name: 'Audited', credits: 20, unitAmount: 300, currency: 'usd', active: true },
      },
      {
        action: 'billing.pack_updated',
        actor_id: platform.id,
        customer_id: null,
        target_type: 'credit_pack',
        target_id: p.id,
        before: { name: 'Audited', credits: 20, unitAmount: 300, currency: 'usd', active: true },
        after: { name: 'Audited', credits: 20, unitAmount: 350, currency: 'usd', active: false },
      },
    ]);

    const { customerId, admin } = await tenant();
    await saveAutoTopUp(db, admin, customerId, { enabled: false, thresholdCredits: 25, packId: pack.id, monthlyLimit: 2 }, APP);
    expect(await eventsOf("action = 'billing.auto_top_up_changed' AND customer_id = $1", [customerId])).toEqual([
      {
        action: 'billing.auto_top_up_changed',
        actor_id: admin.id,
        customer_id: customerId,
        target_type: 'customer',
        target_id: customerId,
        before: { enabled: false, thresholdCredits: 0, packId: null, monthlyLimit: 1 },
        after: { enabled: false, thresholdCredits: 25, packId: pack.id, monthlyLimit: 2 },
      },
    ]);
  });

  it('a rejected pack edit records nothing', async () => {
    const before = await eventsOf("action = 'billing.pack_updated'", []);
    expect(await rejection(updatePack(db, platform, 2_000_000_000, { name: 'ghost' }))).toMatchObject({ status: 404 });
    expect(await eventsOf("action = 'billing.pack_updated'", [])).toEqual(before);
  });

  it('a refund made in Stripe (by whoever runs the Stripe account) is recorded against its purchase, actor none', async () => {
    const { customerId, admin } = await tenant();
    const purchase = await bought(customerId, admin);
    await stripe.fake.refund(purchase.paymentIntentId!, 250);
    await stripe.fake.flush();
    const [refund] = await eventsOf("action = 'billing.refund' AND target_id = $1", [purchase.id]);
    expect(refund).toMatchObject({ actor_id: null, customer_id: customerId, target_type: 'purchase', after: { amountRefunded: 250, taken: 25, shortfall: 0 } });
  });
});
