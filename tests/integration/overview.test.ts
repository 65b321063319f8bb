import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits, adminDeductCredits, bookDueExpiries, consumeCredits, refundDebit, voidGrant } from '@/app/lib/credits';
import type { Db, Queryable } from '@/app/lib/db/types';
import { closePlatformDays, customerUsage, overview } from '@/app/lib/overview';
import { createTestDb, type TestDatabase } from '../support/db';
import { newCustomer, newUser, sleep } from '../support/ledger-fixtures';

/**
 * The Overview's figures (issue 13) against the ledger itself: after grants, look-ups, refunds,
 * expiries, voids and deductions, and over a backdated history whose finished days are summed
 * into credit_platform_daily, every figure equals a direct aggregation of credit_transactions (or
 * of the grants, for what is unspent). The counters' own invariants are checked after every test
 * (tests/support/invariants-setup.ts).
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

const actor = () => ({ id: admin.id, username: admin.username });
const grant = (customerId: number, amount: number, terms: { category?: 'paid' | 'promotional'; expiresAt?: Date } = {}) =>
  addCredits(db, { customerId, userId: null, type: 'admin_grant', amount, description: `grant ${amount}`, ...terms });
const use = (customerId: number, amount: number) => consumeCredits(db, { customerId, userId: null, amount, description: `use ${amount}` });

const UTC_DAY = `(created_at AT TIME ZONE 'UTC')::date`;
/** The platform's movements per UTC day, straight from the ledger. */
async function ledgerDays(q: Queryable): Promise<Map<string, { used: number; refunded: number; added: number }>> {
  const { rows } = await q.query<{ day: string; used: number; refunded: number; added: number }>(
    `SELECT to_char(${UTC_DAY}, 'YYYY-MM-DD') AS day,
            COALESCE(-sum(amount) FILTER (WHERE type IN ('usage', 'refund')), 0)::bigint AS used,
            COALESCE(sum(amount) FILTER (WHERE type = 'refund'), 0)::bigint AS refunded,
            COALESCE(sum(amount) FILTER (WHERE category IS NOT NULL), 0)::bigint AS added
       FROM credit_transactions GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.day, { used: Number(r.used), refunded: Number(r.refunded), added: Number(r.added) }]));
}

/** This month's and last month's movements, straight from the ledger. */
async function ledgerMonths(q: Queryable) {
  const { rows } = await q.query<Record<string, number>>(
    `SELECT m.which,
            COALESCE(sum(t.amount) FILTER (WHERE t.category = 'paid'), 0)::bigint AS paid,
            COALESCE(sum(t.amount) FILTER (WHERE t.category = 'promotional'), 0)::bigint AS promotional,
            COALESCE(-sum(t.amount) FILTER (WHERE t.type IN ('usage', 'refund')), 0)::bigint AS used,
            COALESCE(sum(t.amount) FILTER (WHERE t.type = 'refund'), 0)::bigint AS refunded,
            COALESCE(-sum(t.amount) FILTER (WHERE t.type = 'expiry'), 0)::bigint AS expired
       FROM (VALUES ('this', date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month'),
                    ('last', date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month', date_trunc('month', now() AT TIME ZONE 'UTC'))) m(which, start, stop)
       LEFT JOIN credit_transactions t ON t.created_at AT TIME ZONE 'UTC' >= m.start AND t.created_at AT TIME ZONE 'UTC' < m.stop
      GROUP BY m.which`,
  );
  const of = (which: string) => {
    const r = rows.find((x) => (x.which as unknown as string) === which)!;
    const n = (k: string) => Number(r[k]);
    return { added: n('paid') + n('promotional'), paid: n('paid'), promotional: n('promotional'), used: n('used'), refunded: n('refunded'), expired: n('expired') };
  };
  return { thisMonth: of('this'), lastMonth: of('last') };
}

async function unspentByCategory(q: Queryable) {
  const { rows } = await q.query<{ paid: number; promotional: number }>(
    `SELECT COALESCE(sum(remaining) FILTER (WHERE category = 'paid'), 0)::bigint AS paid,
            COALESCE(sum(remaining) FILTER (WHERE category = 'promotional'), 0)::bigint AS promotional FROM credit_grants`,
  );
  return { paid: Number(rows[0]!.paid), promotional: Number(rows[0]!.promotional) };
}

/** Every Overview figure that aggregates the ledger, compared with the ledger. */
async function expectOverviewMatchesLedger() {
  const o = await overview(db);
  const unspent = await unspentByCategory(db);
  expect(o.outstanding).toEqual({ total: unspent.paid + unspent.promotional, ...unspent });
  const months = await ledgerMonths(db);
  expect(o.thisMonth).toMatchObject(months.thisMonth);
  expect(o.lastMonth).toMatchObject(months.lastMonth);
  const days = await ledgerDays(db);
  expect(o.daily).toHaveLength(90);
  expect(o.daily.at(-1)!.day).toBe(o.today);
  for (const d of o.daily) expect(d, d.day).toEqual({ day: d.day, ...(days.get(d.day) ?? { used: 0, refunded: 0, added: 0 }) });
  return o;
}

describe('the Overview against the ledger', () => {
  it('after grants, look-ups, refunds, a void, a deduction and an expiry, every figure is the ledger aggregated', async () => {
    const a = await newCustomer(db, 'OvA');
    const b = await newCustomer(db, 'OvB');
    await addCredits(db, { customerId: a, userId: null, type: 'purchase', amount: 500, description: 'pack' });
    await grant(a, 100);
    await grant(b, 40, { expiresAt: new Date(Date.now() + 1500) });
    await grant(b, 200, { category: 'paid' });
    const look = await use(a, 120);
    await refundDebit(db, look.id, { userId: null, description: 'Roblox was away', amount: 20 });
    await use(b, 30);
    await adminDeductCredits(db, actor(), { customerId: a, amount: 7, description: 'correction' });
    const toVoid = await grant(a, 15);
    await voidGrant(db, actor(), toVoid.id, a, 'granted by mistake');
    await sleep(1600);
    expect(await bookDueExpiries(db)).toBe(1);

    const o = await expectOverviewMatchesLedger();
    // Customer A: 500 paid + 100 promotional, 120 used of which 20 refunded: 100 net.
    expect(o.topCustomers.map((c) => [c.customerId, c.used])).toEqual([
      [a, 100],
      [b, 30],
    ]);
    expect(o.thisMonth.expired).toBeGreaterThan(0);
  });

  it('customers running low: balance over the 14-day burn below 14 days, soonest first; a spent-out customer at 0 days', async () => {
    const low = await newCustomer(db, 'OvLow');
    const out = await newCustomer(db, 'OvOut');
    const fine = await newCustomer(db, 'OvFine');
    await grant(low, 100);
    await use(low, 60); // 40 left at 60/14 a day: 9.3 days
    await grant(out, 5);
    await use(out, 5);
    await grant(fine, 1000);
    await use(fine, 10); // 990 at 10/14 a day: 1,386 days

    const { runningLow } = await overview(db);
    const ids = runningLow.customers.map((c) => c.customerId);
    expect(ids.indexOf(out)).toBeLessThan(ids.indexOf(low));
    expect(ids).not.toContain(fine);
    const l = runningLow.customers.find((c) => c.customerId === low)!;
    expect(l).toMatchObject({ balance: 40, perDay: 60 / 14 });
    expect(l.daysLeft).toBeCloseTo(40 / (60 / 14), 6);
    expect(runningLow.customers.find((c) => c.customerId === out)).toMatchObject({ balance: 0, daysLeft: 0 });

    // A top-up lifts the customer off the list at once (its stored runway moves with the balance).
    await grant(low, 1000);
    expect((await overview(db)).runningLow.customers.map((c) => c.customerId)).not.toContain(low);
    expect(await customerUsage(db, low, 30)).toMatchObject({ balance: 1040, perDay: 60 / 14, daysLeft: 1040 / (60 / 14) });
  });

  it('credits expiring in the next 30 days: the live grants that expire then, by category, soonest listed first', async () => {
    const before = (await overview(db)).expiring;
    const c = await newCustomer(db, 'OvExp');
    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
    const soon = await grant(c, 30, { expiresAt: inDays(2) });
    await grant(c, 50, { expiresAt: inDays(20), category: 'paid' });
    await grant(c, 70, { expiresAt: inDays(45) }); // outside the window
    await use(c, 10); // drawn from the soonest-expiring grant
    const after = (await overview(db)).expiring;
    expect(after.total - before.total).toBe(70);
    expect(after.paid - before.paid).toBe(50);
    expect(after.promotional - before.promotional).toBe(20);
    expect(after.grants - before.grants).toBe(2);
    expect(after.soonest.find((g) => g.grantId === soon.id)).toMatchObject({ customerId: c, remaining: 20, category: 'promotional' });
  });

  it("a customer's usage per day: its ledger per UTC day, zeros between, the chosen range ending today", async () => {
    const c = await newCustomer(db, 'OvDays');
    await grant(c, 100);
    const d = await use(c, 12);
    await refundDebit(db, d.id, { userId: null, description: 'refund', amount: 2 });
    for (const days of [30, 90, 365]) {
      const u = await customerUsage(db, c, days);
      expect(u.daily).toHaveLength(days);
      expect(u.daily.at(-1)).toEqual({ day: u.today, used: 10, refunded: 2, added: 100 });
      expect(u.daily.slice(0, -1).every((x) => x.used === 0 && x.added === 0)).toBe(true);
    }
    await expect(customerUsage(db, 2_000_000_000, 30)).rejects.toMatchObject({ status: 404 });
  });
});

describe('a backdated history (a bulk load, then the rebuild)', () => {
  /** Rows written with triggers off, as the benchmark's data set is, then derived by the backfills. */
  async function loadHistory(customerId: number, rows: Array<[daysAgo: number, type: string, amount: number]>) {
    await db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL session_replication_role = replica`);
      let balance = 0;
      for (const [daysAgo, type, amount] of rows) {
        await tx.query(
          `INSERT INTO credit_transactions (id, customer_id, type, amount, balance_before, balance_after, description, created_at, category, priority)
           VALUES (nextval('credit_transactions_id_seq'), $1, $2::text, $3, $4, $5, 'history', now() - make_interval(days => $6),
                   CASE $2::text WHEN 'purchase' THEN 'paid' WHEN 'admin_grant' THEN 'promotional' END,
                   CASE WHEN $2::text IN ('purchase', 'admin_grant') THEN 100 END)`,
          [customerId, type, amount, balance, balance + amount, daysAgo],
        );
        balance += amount;
      }
      // The account as the ledger trigger would have left it.
      await tx.query(
        `UPDATE customer_credits cc
            SET balance = s.balance, total_purchased = s.paid + s.promotional, total_paid = s.paid, total_promotional = s.promotional,
                total_used = s.used, total_refunded = s.refunded
           FROM (SELECT sum(amount) AS balance,
                        COALESCE(sum(amount) FILTER (WHERE type = 'purchase'), 0) AS paid,
                        COALESCE(sum(amount) FILTER (WHERE type = 'admin_grant'), 0) AS promotional,
                        COALESCE(-sum(amount) FILTER (WHERE type IN ('usage', 'refund')), 0) AS used,
                        COALESCE(sum(amount) FILTER (WHERE type = 'refund'), 0) AS refunded
                   FROM credit_transactions WHERE customer_id = $1) s
          WHERE cc.customer_id = $1`,
        [customerId],
      );
    });
    await db.query('SELECT credit_ledger_backfill()');
  }

  it('the days that are over are summed once into credit_platform_daily, and every figure still equals the ledger', async () => {
    const old = await newCustomer(db, 'OvHistory');
    await loadHistory(old, [
      [80, 'purchase', 1000],
      [75, 'admin_grant', 300],
      [60, 'usage', -120],
      [40, 'usage', -80],
      [39, 'refund', 30],
      [20, 'usage', -200],
      [5, 'usage', -50],
      [2, 'usage', -25],
    ]);
    // What the trigger maintained for the other customers must come out of the rebuild the same.
    const snapshot = async () => {
      const others = (rows: unknown[]) => rows.filter((r) => (r as { customer_id: number }).customer_id !== old);
      return [
        others((await db.query(`SELECT * FROM credit_daily_usage ORDER BY customer_id, day`)).rows),
        others((await db.query(`SELECT * FROM credit_customer_usage ORDER BY customer_id`)).rows),
      ];
    };
    const maintained = await snapshot();
    await db.query('SELECT credit_usage_rebuild()');
    expect(await snapshot()).toEqual(maintained);

    const summed = await db.query<{ n: number; first: string }>(`SELECT count(*)::int AS n, to_char(min(day), 'YYYY-MM-DD') AS first FROM credit_platform_daily`);
    expect(summed.rows[0]!.n).toBeGreaterThanOrEqual(78);
    const through = await closePlatformDays(db);
    expect(await closePlatformDays(db)).toBe(through); // nothing more to sum
    await expectOverviewMatchesLedger();

    // New activity lands in today's open day; the summed days stay as they were.
    await use(old, 5);
    await expectOverviewMatchesLedger();
    const u = await customerUsage(db, old, 90);
    const days = await db.query<{ day: string; used: number }>(
      `SELECT to_char(${UTC_DAY}, 'YYYY-MM-DD') AS day, (-sum(amount))::bigint AS used FROM credit_transactions
        WHERE customer_id = $1 AND type IN ('usage', 'refund') GROUP BY 1`,
      [old],
    );
    const byDay = new Map(days.rows.map((r) => [r.day, Number(r.used)]));
    for (const d of u.daily) expect(d.used, d.day).toBe(byDay.get(d.day) ?? 0);
    // Burn of the last 14 days: 50 + 25 + 5 of net usage.
    expect(u.perDay).toBe(80 / 14);
  });
});
