import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addCredits,
  bookAdminGrant,
  adminDeductCredits,
  balanceAt,
  bookDueExpiries,
  consumeCredits,
  creditSummary,
  getBalance,
  getTransaction,
  InsufficientCreditsError,
  listGrants,
  refundDebit,
  verifyLedger,
  voidGrant,
} from '@/app/lib/credits';
import type { Db } from '@/app/lib/db/types';
import { createTestDb, openTestDatabases, type TestDatabase } from '../support/db';
import { rejection } from '../support/assert';
import { allocationsOf, grantsOf, newCustomer, newUser, rowsOf, sleep } from '../support/ledger-fixtures';
import { assertLedgerInvariants } from '../support/ledger-invariants';

/**
 * Ledger v2 (issue 11): grants with category, expiry and priority; debits drawing in spending order
 * with allocations; refunds back to their grants; expiry (by the job, and by a debit before it);
 * voids and deductions; one set of totals; balance at any time; the hash chain. The ledger
 * invariants are checked after every test (tests/support/invariants-setup.ts).
 */

let t: TestDatabase;
let db: Db;
let admin: { id: number; username: string };
beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  admin = await newUser(db, null, 'SUPER_ADMIN');
});
afterAll(async () => {
  await t?.drop();
});

const inSeconds = (s: number) => new Date(Date.now() + s * 1000);
const grant = (customerId: number, amount: number, terms: { category?: 'paid' | 'promotional'; expiresAt?: Date; priority?: number } = {}) =>
  addCredits(db, { customerId, userId: null, type: 'admin_grant', amount, description: `grant ${amount}`, ...terms });
const use = (customerId: number, amount: number, userId: number | null = null) =>
  consumeCredits(db, { customerId, userId, amount, description: `use ${amount}` });

describe('grants', () => {
  it('every addition is a grant: purchases paid, admin grants promotional, priority 100, no expiry unless given', async () => {
    const c = await newCustomer(db);
    const p = await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 30, description: 'pack' });
    const a = await bookAdminGrant(db, admin, { customerId: c, amount: 20, description: 'demo' });
    const paidPromo = await bookAdminGrant(db, admin, { customerId: c, amount: 5, description: 'sold by hand', category: 'paid', priority: 7, expiresAt: inSeconds(3600) });
    const page = await listGrants(db, c, {});
    expect(page.total).toBe(3);
    const byId = Object.fromEntries(page.items.map((g) => [g.id, g]));
    expect(byId[p.id]).toMatchObject({ category: 'paid', amount: 30, remaining: 30, priority: 100, expiresAt: null, status: 'active' });
    expect(byId[a.id]).toMatchObject({ category: 'promotional', amount: 20, remaining: 20, priority: 100, expiresAt: null, status: 'active' });
    expect(byId[paidPromo.id]).toMatchObject({ category: 'paid', priority: 7, status: 'active' });
    expect(Date.parse(byId[paidPromo.id]!.expiresAt!)).toBeGreaterThan(Date.now() + 3500_000);
    // Live grants are listed in spending order: priority 7 first.
    expect(page.items[0]!.id).toBe(paidPromo.id);
    // The guide's answer is unchanged by the terms.
    expect(Object.keys(a).sort()).toEqual(['amount', 'balanceAfter', 'balanceBefore', 'createdAt', 'customerId', 'description', 'id', 'paymentId', 'type', 'userId']);
  });

  it('the database refuses terms on rows that are not grants, and impossible terms', async () => {
    const c = await newCustomer(db);
    await grant(c, 10);
    const bad = [
      [`INSERT INTO credit_transactions (customer_id, type, amount, description, category) VALUES ($1, 'usage', -1, 'x', 'paid')`, 'credit_transactions_grant_fields'],
      [`INSERT INTO credit_transactions (customer_id, type, amount, description, priority) VALUES ($1, 'purchase', 1, 'x', 5000)`, 'credit_transactions_grant_fields'],
      [`INSERT INTO credit_transactions (customer_id, type, amount, description, category, priority) VALUES ($1, 'purchase', 1, 'x', 'paid', 5000)`, 'credit_transactions_priority_check'],
      [`INSERT INTO credit_transactions (customer_id, type, amount, description, category) VALUES ($1, 'purchase', 1, 'x', 'free')`, 'credit_transactions_category_check'],
      [`INSERT INTO credit_transactions (customer_id, type, amount, description) VALUES ($1, 'void', -1, 'x')`, 'credit_grants_close'],
    ] as const;
    for (const [sql, constraint] of bad) {
      expect(await rejection(db.query(sql, [c])), sql).toMatchObject({ code: '23514', constraint });
    }
    expect(await getBalance(db, c)).toMatchObject({ balance: 10 });
  });
});

describe('spending order and allocations', () => {
  it('draws by priority, then soonest expiry (none last), then oldest; records which grants paid', async () => {
    const c = await newCustomer(db);
    const noExpiryOld = await grant(c, 5);
    const noExpiryNew = await grant(c, 5);
    const late = await grant(c, 5, { expiresAt: inSeconds(7200) });
    const soon = await grant(c, 5, { expiresAt: inSeconds(3600) });
    const urgent = await grant(c, 2, { priority: 10 });
    const d1 = await use(c, 3); // urgent 2 (priority), then soon 1
    expect(await allocationsOf(db, d1.id)).toEqual({ [urgent.id]: -2, [soon.id]: -1 });
    const d2 = await use(c, 10); // soon 4, late 5, then the oldest without expiry 1
    expect(await allocationsOf(db, d2.id)).toEqual({ [soon.id]: -4, [late.id]: -5, [noExpiryOld.id]: -1 });
    const d3 = await use(c, 6); // oldest first among equals
    expect(await allocationsOf(db, d3.id)).toEqual({ [noExpiryOld.id]: -4, [noExpiryNew.id]: -2 });
    expect((await grantsOf(db, c)).map((g) => g.remaining)).toEqual([0, 3, 0, 0, 0]);

    const detail = await getTransaction(db, d2.id, undefined);
    expect(detail.transaction).toMatchObject({ id: d2.id, type: 'usage', amount: -10 });
    expect(detail.allocations.map((a) => [a.grantId, a.amount])).toEqual([
      [soon.id, -4],
      [late.id, -5],
      [noExpiryOld.id, -1],
    ]);
    const consumption = await getTransaction(db, noExpiryOld.id, undefined);
    expect(consumption.grant).toMatchObject({ id: noExpiryOld.id, amount: 5, remaining: 0, status: 'spent' });
    expect(consumption.allocations.map((a) => [a.transactionId, a.amount])).toEqual([
      [d2.id, -1],
      [d3.id, -4],
    ]);
    // Another tenant's id is not found for a caller pinned to their customer.
    const other = await newCustomer(db);
    expect(await rejection(getTransaction(db, d2.id, other))).toMatchObject({ status: 404 });
  });

  it('a refund gives the credits back to the grants they came from (with and without naming the debit)', async () => {
    const c = await newCustomer(db);
    const user = await newUser(db, c);
    const a = await grant(c, 2, { priority: 1 });
    const b = await grant(c, 10);
    const d = await use(c, 5, user.id);
    expect(await allocationsOf(db, d.id)).toEqual({ [a.id]: -2, [b.id]: -3 });
    const r1 = await refundDebit(db, d.id, { userId: user.id, description: 'part', amount: 1 });
    const r2 = await addCredits(db, { customerId: c, userId: user.id, type: 'refund', amount: 4, description: 'the look-ups call shape' });
    expect({ ...(await allocationsOf(db, r1.id)), ...(await allocationsOf(db, r2.id)) }).toMatchObject({ [a.id]: expect.any(Number), [b.id]: expect.any(Number) });
    expect((await grantsOf(db, c)).map((g) => g.remaining)).toEqual([2, 10]);
    expect(await getBalance(db, c)).toMatchObject({ balance: 12, totalUsed: 0 });
    // Nothing left to give back: a further refund is refused, and nothing changes.
    expect(await rejection(refundDebit(db, d.id, { userId: user.id, description: 'again' }))).toMatchObject({ status: 409 });
    expect(await rejection(addCredits(db, { customerId: c, userId: user.id, type: 'refund', amount: 1, description: 'more' }))).toMatchObject({
      status: 409,
      message: 'Refund exceeds usage',
    });
    expect(await getBalance(db, c)).toMatchObject({ balance: 12 });
  });

  it('a refund that names no look-up gives back the newest ones first, across several if it must', async () => {
    const c = await newCustomer(db);
    const user = await newUser(db, c);
    const a = await grant(c, 3, { priority: 1 });
    const b = await grant(c, 10);
    const d1 = await use(c, 3, user.id); // all of a
    const d2 = await use(c, 4, user.id); // from b
    const r = await addCredits(db, { customerId: c, userId: user.id, type: 'refund', amount: 6, description: 'several look-ups' });
    const { rows } = await db.query<{ grant_id: number; amount: number; refund_of: number }>(
      'SELECT grant_id, amount, refund_of FROM credit_allocations WHERE transaction_id = $1 ORDER BY refund_of DESC',
      [r.id],
    );
    expect(rows).toEqual([
      { grant_id: b.id, amount: 4, refund_of: d2.id },
      { grant_id: a.id, amount: 2, refund_of: d1.id },
    ]);
    expect((await getTransaction(db, r.id, undefined)).transaction.refundOf).toBeNull();
    expect((await grantsOf(db, c)).map((g) => g.remaining)).toEqual([2, 10]);
    expect(await getBalance(db, c)).toMatchObject({ balance: 12, totalUsed: 1 });
  });

  it('a refund to a grant that has expired since expires again at once', async () => {
    const c = await newCustomer(db);
    const short = await grant(c, 3, { expiresAt: inSeconds(1.5) });
    await grant(c, 5);
    const d = await use(c, 2);
    expect(await allocationsOf(db, d.id)).toEqual({ [short.id]: -2 });
    await sleep(1600);
    await bookDueExpiries(db);
    const refund = await refundDebit(db, d.id, { userId: null, description: 'Roblox down' });
    const rows = await rowsOf(db, c);
    expect(rows.slice(-3).map((r) => [r.type, r.amount, r.grant_id])).toEqual([
      ['expiry', -1, short.id],
      ['refund', 2, null],
      ['expiry', -2, short.id],
    ]);
    expect(refund.amount).toBe(2);
    expect(await getBalance(db, c)).toMatchObject({ balance: 5 });
  });
});

describe('expiry', () => {
  it('the job books an expiry row linked to the grant for its unspent remainder', async () => {
    const c = await newCustomer(db);
    const g = await grant(c, 10, { expiresAt: inSeconds(1) });
    await use(c, 4);
    await sleep(1100);
    expect((await listGrants(db, c, {})).items[0]).toMatchObject({ id: g.id, status: 'expired', remaining: 6 });
    expect(await bookDueExpiries(db)).toBeGreaterThanOrEqual(1);
    const rows = await rowsOf(db, c);
    expect(rows.at(-1)).toMatchObject({ type: 'expiry', amount: -6, grant_id: g.id });
    expect(await bookDueExpiries(db)).toBe(0); // once
    expect(await grantsOf(db, c)).toEqual([{ id: g.id, remaining: 0, closed: 'expired' }]);
    expect((await creditSummary(db, c)).breakdown).toEqual({ purchased: 10, paid: 0, promotional: 10, used: 4, refunded: 0, expired: 6, voided: 0, deducted: 0 });
  });

  it('a debit never draws on an expired grant, even before the job has run: it books the expiry first', async () => {
    const c = await newCustomer(db);
    const g = await grant(c, 5, { expiresAt: inSeconds(1), priority: 0 });
    const rest = await grant(c, 3);
    await sleep(1100);
    const d = await use(c, 2);
    expect(await allocationsOf(db, d.id)).toEqual({ [rest.id]: -2 });
    const rows = await rowsOf(db, c);
    expect(rows.slice(-2).map((r) => [r.type, r.amount, r.grant_id])).toEqual([
      ['expiry', -5, g.id],
      ['usage', -2, null],
    ]);
    // The balance was 8 before, but only 3 of it was live: a debit of 2 more is refused.
    const err = await rejection(use(c, 2));
    expect(err).toBeInstanceOf(InsufficientCreditsError);
    expect(err).toMatchObject({ balance: 1, required: 2 });
  });
});

describe('void and deduct', () => {
  it('void closes a grant\'s unspent remainder; 409 when nothing remains, twice, or expired; 400 for a debit; 404 for another tenant', async () => {
    const c = await newCustomer(db);
    const mistaken = await grant(c, 100);
    await grant(c, 5, { priority: 200 });
    await use(c, 30);
    const v = await voidGrant(db, admin, mistaken.id, undefined, 'typo: meant 10');
    expect(v).toMatchObject({ type: 'void', amount: -70, balanceBefore: 75, balanceAfter: 5 });
    expect(v.description).toBe(`[ADMIN] Void of grant #${mistaken.id}: typo: meant 10 (Voided by: ${admin.username})`);
    expect(v.paymentId).toMatch(new RegExp(`^ADMIN_VOID_${admin.id}_\\d+$`));
    expect((await getTransaction(db, v.id, undefined)).transaction).toMatchObject({ grantId: mistaken.id });
    const rowsBefore = (await rowsOf(db, c)).length;
    expect(await rejection(voidGrant(db, admin, mistaken.id, undefined, 'again'))).toMatchObject({ status: 409, message: 'Already voided' });
    const spent = await grant(c, 1, { priority: 0 });
    await use(c, 1);
    expect(await rejection(voidGrant(db, admin, spent.id, undefined, 'x'))).toMatchObject({ status: 409, message: 'Nothing left to void' });
    const usage = await use(c, 1);
    expect(await rejection(voidGrant(db, admin, usage.id, undefined, 'x'))).toMatchObject({ status: 400, message: 'Only grants can be voided' });
    const short = await grant(c, 2, { expiresAt: inSeconds(1) });
    await sleep(1100);
    expect(await rejection(voidGrant(db, admin, short.id, undefined, 'x'))).toMatchObject({ status: 409, message: 'Grant expired' });
    const other = await newCustomer(db);
    expect(await rejection(voidGrant(db, admin, (await grant(c, 1)).id, other, 'x'))).toMatchObject({ status: 404 });
    const rows = await rowsOf(db, c);
    // Only the two grants, the two look-ups and the short grant were written: no second void, and the
    // refused void of the expired grant rolled back the expiry it had booked on the way.
    expect(rows.filter((r) => r.type === 'void')).toHaveLength(1);
    expect(rows.length).toBe(rowsBefore + 5);
  });

  it('deduct spends in order, ADMIN_DEDUCT_{userId}_{timestamp}, "(Deducted by: …)"; 409 Insufficient credits changes nothing', async () => {
    const c = await newCustomer(db);
    const promo = await grant(c, 4, { priority: 1 });
    const paid = await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 10, description: 'pack' });
    const d = await adminDeductCredits(db, admin, { customerId: c, amount: 6, description: 'chargeback' });
    expect(d).toMatchObject({ type: 'deduction', amount: -6, balanceBefore: 14, balanceAfter: 8, description: `[ADMIN] chargeback (Deducted by: ${admin.username})` });
    expect(d.paymentId).toMatch(new RegExp(`^ADMIN_DEDUCT_${admin.id}_\\d{13}$`));
    expect(await allocationsOf(db, d.id)).toEqual({ [promo.id]: -4, [paid.id]: -2 });
    const before = await rowsOf(db, c);
    const err = await rejection(adminDeductCredits(db, admin, { customerId: c, amount: 9, description: 'too much' }));
    expect(err).toMatchObject({ status: 409, message: 'Insufficient credits', details: { balance: 8, requested: 9 } });
    expect(await rowsOf(db, c)).toEqual(before);
    const { rows } = await db.query(
      `SELECT credit_balance, total_credits_purchased, total_credits_used, total_credits_deducted FROM customer_credit_totals WHERE id = $1`,
      [c],
    );
    expect(rows).toEqual([{ credit_balance: 8, total_credits_purchased: 14, total_credits_used: 0, total_credits_deducted: 6 }]);
    // The guide's "admin credit additions" query still lists additions only.
    const manual = await db.query(`SELECT count(*)::int AS n FROM credit_transactions WHERE customer_id = $1 AND payment_id LIKE 'MANUAL_ADMIN_%'`, [c]);
    expect(manual.rows[0]).toEqual({ n: 0 });
  });
});

describe('one set of totals, and the balance at any time', () => {
  it('customer_credit_totals, the summary and getBalance agree; balance = purchased − used − expired − voided − deducted', async () => {
    const c = await newCustomer(db);
    const user = await newUser(db, c);
    await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 10_000, description: 'pack' });
    const promo = await grant(c, 100);
    const d = await use(c, 6, user.id);
    await refundDebit(db, d.id, { userId: user.id, description: 'refund', amount: 2 });
    await voidGrant(db, admin, promo.id, undefined, 'demo over');
    await adminDeductCredits(db, admin, { customerId: c, amount: 8, description: 'correction' });
    const s = await creditSummary(db, c);
    // The look-up drew on the older grant of equal priority (the purchase), so the void took all 100.
    expect(s.breakdown).toEqual({ purchased: 10_100, paid: 10_000, promotional: 100, used: 4, refunded: 2, expired: 0, voided: 100, deducted: 8 });
    expect(s.balance).toBe(10_100 - 4 - 100 - 8);
    const { rows } = await db.query(
      `SELECT credit_balance, total_credits_purchased, total_credits_used, total_credits_paid, total_credits_promotional,
              total_credits_refunded, total_credits_expired, total_credits_voided, total_credits_deducted
         FROM customer_credit_totals WHERE id = $1`,
      [c],
    );
    expect(rows[0]).toEqual({
      credit_balance: s.balance,
      total_credits_purchased: 10_100,
      total_credits_used: 4,
      total_credits_paid: 10_000,
      total_credits_promotional: 100,
      total_credits_refunded: 2,
      total_credits_expired: 0,
      total_credits_voided: 100,
      total_credits_deducted: 8,
    });
    expect(await getBalance(db, c)).toEqual({ customerId: c, balance: s.balance, totalPurchased: 10_100, totalUsed: 4 });
  });

  it('?at= answers the balance and breakdown as they were, from one indexed read', async () => {
    const c = await newCustomer(db);
    const t0 = new Date(Date.now() - 1000);
    const g1 = await grant(c, 50);
    await sleep(20);
    const mid = new Date();
    await sleep(20);
    await use(c, 10);
    await voidGrant(db, admin, g1.id, undefined, 'x');
    expect(await balanceAt(db, c, t0)).toEqual({ customerId: c, at: t0.toISOString(), balance: 0, breakdown: expect.objectContaining({ purchased: 0, used: 0 }) });
    expect((await balanceAt(db, c, mid)).breakdown).toEqual({ purchased: 50, paid: 0, promotional: 50, used: 0, refunded: 0, expired: 0, voided: 0, deducted: 0 });
    expect(await balanceAt(db, c, new Date())).toMatchObject({ balance: 0, breakdown: { used: 10, voided: 40 } });
    // The read walks the (customer_id, created_at, id) index backwards from `at` and stops at one row
    // (sorting is ruled out: on a table this small the planner would rather sort it).
    const plan = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_sort = off');
      await tx.query('SET LOCAL enable_seqscan = off');
      return tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT balance_after, totals_after FROM credit_transactions WHERE customer_id = $1 AND created_at <= $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
        [c, mid],
      );
    });
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan Backward using credit_transactions_customer_time_idx/);
  });
});

describe('tamper evidence', () => {
  it('verify is ok on an intact ledger and names the row edited behind the triggers\' back', async () => {
    const tamper = await createTestDb();
    openTestDatabases.delete(tamper); // this database is broken on purpose
    try {
      const q = tamper.db;
      const c = await newCustomer(q);
      const other = await newCustomer(q);
      for (const [customerId, amount] of [[c, 10], [other, 7], [c, 5]] as const) {
        await addCredits(q, { customerId, userId: null, type: 'purchase', amount, description: 'x' });
      }
      const victim = await consumeCredits(q, { customerId: c, userId: null, amount: 3, description: 'look-up' });
      await consumeCredits(q, { customerId: c, userId: null, amount: 1, description: 'look-up' });
      expect(await verifyLedger(q)).toEqual({ ok: true, checked: 5, firstBadTransactionId: null });
      expect(await verifyLedger(q, other)).toEqual({ ok: true, checked: 1, firstBadTransactionId: null });
      await q.exec(`ALTER TABLE credit_transactions DISABLE TRIGGER USER;
        UPDATE credit_transactions SET amount = -1, balance_after = balance_before - 1 WHERE id = ${victim.id};
        ALTER TABLE credit_transactions ENABLE TRIGGER USER;`);
      expect(await verifyLedger(q)).toEqual({ ok: false, checked: 5, firstBadTransactionId: victim.id });
      expect(await verifyLedger(q, other)).toEqual({ ok: true, checked: 1, firstBadTransactionId: null });
      await expect(assertLedgerInvariants(q)).rejects.toThrow(/hash chain/);
    } finally {
      await tamper.drop();
    }
  });
});

describe('concurrency', () => {
  it('50 concurrent look-ups on balance 10 over three grants: exactly 10 succeed, and the allocations say which grant paid', async () => {
    const c = await newCustomer(db);
    const expiring = await grant(c, 3, { category: 'promotional', expiresAt: inSeconds(60) });
    const paid = await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 4, description: 'pack' });
    const forever = await grant(c, 3);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => use(c, 1)));
    const ok = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof use>>> => r.status === 'fulfilled');
    expect(ok).toHaveLength(10);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientCreditsError);
    const paidBy: number[] = [];
    for (const r of ok.sort((x, y) => x.value.id - y.value.id)) {
      const a = await allocationsOf(db, r.value.id);
      expect(Object.values(a)).toEqual([-1]);
      paidBy.push(Number(Object.keys(a)[0]));
    }
    // Soonest expiry first, then the older of the two without one (the purchase), then the last.
    expect(paidBy).toEqual([...Array(3).fill(expiring.id), ...Array(4).fill(paid.id), ...Array(3).fill(forever.id)]);
    expect(await getBalance(db, c)).toMatchObject({ balance: 0, totalUsed: 10 });
  });

  it('a void racing debits on the same grant: either order, never both for the same credits', async () => {
    const c = await newCustomer(db);
    const g = await grant(c, 10);
    await grant(c, 3, { priority: 500 });
    const outcomes = await Promise.allSettled([
      voidGrant(db, admin, g.id, undefined, 'race'),
      ...Array.from({ length: 8 }, () => use(c, 2)),
    ]);
    const voided = outcomes[0]!;
    // The void wins the lock with something left, or the debits spent g first and it is refused.
    if (voided.status === 'rejected') expect(voided.reason).toMatchObject({ status: 409, message: 'Nothing left to void' });
    const debits = outcomes.slice(1).filter((o) => o.status === 'fulfilled').length;
    const voidAmount = voided.status === 'fulfilled' ? -voided.value.amount : 0;
    const drawnFromG = 10 - voidAmount;
    // Every credit of g went one way: drawn by a debit, or voided; the low-priority grant covers the rest.
    const { rows } = await db.query<{ drawn: number }>(
      `SELECT COALESCE(-sum(a.amount), 0)::int AS drawn FROM credit_allocations a JOIN credit_transactions t ON t.id = a.transaction_id
        WHERE a.grant_id = $1 AND t.type = 'usage'`,
      [g.id],
    );
    expect(rows[0]!.drawn).toBe(drawnFromG);
    expect(await getBalance(db, c)).toMatchObject({ balance: 13 - voidAmount - 2 * debits });
  });

  it('a deduction racing look-ups never overdraws', async () => {
    const c = await newCustomer(db);
    await grant(c, 10);
    const outcomes = await Promise.allSettled([
      adminDeductCredits(db, admin, { customerId: c, amount: 6, description: 'race' }),
      ...Array.from({ length: 10 }, () => use(c, 1)),
    ]);
    const deducted = outcomes[0]!.status === 'fulfilled' ? 6 : 0;
    const used = outcomes.slice(1).filter((o) => o.status === 'fulfilled').length;
    expect(deducted + used).toBeLessThanOrEqual(10);
    expect(await getBalance(db, c)).toMatchObject({ balance: 10 - deducted - used });
  });
});
