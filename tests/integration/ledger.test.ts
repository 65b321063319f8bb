import { afterAll, beforeAll, describe, expect, it} from 'vitest';
import { addCredits, consumeCredits, getBalance, InsufficientCreditsError, listTransactions, type Credit } from '@/app/lib/credits';
import type { Db } from '@/app/lib/db/types';
import { AppError } from '@/app/lib/errors';
import { createTestDb, unique, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';
import { rejection } from '../support/assert';

// The lib project does not inherit the root testTimeout/hookTimeout (vitest projects need `extends: true`):
// PGlite start-up and child processes need more than vitest's 5 s / 10 s defaults on a busy machine.

/**
 * The credit ledger (src/app/lib/credits.ts) and the invariants the database itself enforces,
 * whatever code (or person with psql) writes to it.
 */

let t: TestDatabase;
let db: Db;
beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
});
afterAll(async () => {
  await t?.drop();
});

async function newCustomer(): Promise<number> {
  const { rows } = await db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('Ledger')]);
  return rows[0]!.id;
}

async function newUser(customerId: number | null, role = 'USER'): Promise<{ id: number; username: string }> {
  const username = unique('u');
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, $2, $3, $4) RETURNING id',
    [username, 'not-a-hash', role, customerId],
  );
  return { id: rows[0]!.id, username };
}

const credit = (customerId: number, amount: number, type: Credit['type'] = 'purchase', userId: number | null = null) =>
  addCredits(db, { customerId, userId, type, amount, description: `${type} ${amount}` });

const debit = (customerId: number, amount: number, userId: number | null = null) =>
  consumeCredits(db, { customerId, userId, amount, description: `use ${amount}` });

async function rowCount(customerId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM credit_transactions WHERE customer_id = $1', [customerId]);
  return rows[0]!.n;
}


describe('addCredits / consumeCredits / getBalance', () => {
  it('a purchase returns the ledger row and moves the balance', async () => {
    const customerId = await newCustomer();
    const user = await newUser(customerId);
    const before = Date.now();
    const t1 = await addCredits(db, { customerId, userId: user.id, type: 'purchase', amount: 100, description: 'Stripe', paymentId: 'pi_1' });
    expect(t1).toEqual({
      id: expect.any(Number),
      customerId,
      userId: user.id,
      type: 'purchase',
      amount: 100,
      balanceBefore: 0,
      balanceAfter: 100,
      description: 'Stripe',
      paymentId: 'pi_1',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Date.parse(t1.createdAt)).toBeGreaterThanOrEqual(before - 5_000);
    expect(await getBalance(db, customerId)).toEqual({ customerId, balance: 100, totalPurchased: 100, totalUsed: 0 });
  });

  it('totals: purchases and admin grants count as purchased, usage as used, a refund gives usage back', async () => {
    const customerId = await newCustomer();
    await credit(customerId, 100, 'purchase');
    await credit(customerId, 50, 'admin_grant');
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 150, totalPurchased: 150, totalUsed: 0 });
    const used = await debit(customerId, 30);
    expect(used).toMatchObject({ type: 'usage', amount: -30, balanceBefore: 150, balanceAfter: 120 });
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 120, totalPurchased: 150, totalUsed: 30 });
    const refund = await credit(customerId, 10, 'refund');
    expect(refund).toMatchObject({ amount: 10, balanceBefore: 120, balanceAfter: 130 });
    const b = await getBalance(db, customerId);
    expect(b).toEqual({ customerId, balance: 130, totalPurchased: 150, totalUsed: 20 });
    expect(b.balance).toBe(b.totalPurchased - b.totalUsed);
  });

  it('insufficient credits: InsufficientCreditsError (402) and nothing is written', async () => {
    const customerId = await newCustomer();
    await credit(customerId, 5);
    const rowsBefore = await rowCount(customerId);
    const err = await rejection(debit(customerId, 6));
    expect(err).toBeInstanceOf(InsufficientCreditsError);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 402, code: 'insufficient_credits', balance: 5, required: 6, message: 'Insufficient credits' });
    expect(err.details).toMatch(/costs 6 credits and the balance is 5/);
    expect(await rowCount(customerId)).toBe(rowsBefore);
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 5, totalUsed: 0 });

    // Exactly the balance is fine; then the account is empty.
    expect(await debit(customerId, 5)).toMatchObject({ balanceBefore: 5, balanceAfter: 0 });
    expect(await rejection(debit(customerId, 1))).toMatchObject({ status: 402, balance: 0, required: 1 });
    expect(await getBalance(db, customerId)).toEqual({ customerId, balance: 0, totalPurchased: 5, totalUsed: 5 });
  });

  it('a customer that does not exist is a 404, for debits, credits and balances alike', async () => {
    const missing = 2_000_000_000;
    const expected = { status: 404, message: 'Customer not found', details: `No customer with ID ${missing}` };
    const consumeErr = await rejection(debit(missing, 1));
    expect(consumeErr).toBeInstanceOf(AppError);
    expect(consumeErr).not.toBeInstanceOf(InsufficientCreditsError);
    expect(consumeErr).toMatchObject(expected);
    expect(await rejection(credit(missing, 1))).toMatchObject(expected);
    expect(await rejection(getBalance(db, missing))).toMatchObject(expected);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM credit_transactions WHERE customer_id = $1', [missing]);
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses amounts that are not positive whole numbers (a debit of -5 must not add credits)', async () => {
    const customerId = await newCustomer();
    await credit(customerId, 10);
    for (const amount of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(debit(customerId, amount), `debit ${amount}`).rejects.toThrow(RangeError);
      await expect(credit(customerId, amount), `credit ${amount}`).rejects.toThrow(RangeError);
    }
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 10, totalPurchased: 10, totalUsed: 0 });
    expect(await rowCount(customerId)).toBe(1);
  });
});

describe('listTransactions', () => {
  it("lists one customer's audit trail newest first, with names, filters and pages", async () => {
    const customerId = await newCustomer();
    const other = await newCustomer();
    const admin = await newUser(null, 'SUPER_ADMIN');
    const user = await newUser(customerId);
    const grant = await addCredits(db, {
      customerId,
      userId: admin.id,
      type: 'admin_grant',
      amount: 40,
      description: 'grant',
      paymentId: `MANUAL_ADMIN_${admin.id}_1`,
    });
    const purchase = await addCredits(db, { customerId, userId: user.id, type: 'purchase', amount: 20, description: 'buy', paymentId: 'pi_x' });
    const use = await debit(customerId, 7, user.id);
    await credit(other, 99);

    const all = await listTransactions(db, customerId, {});
    expect(all.total).toBe(3);
    expect(all.items.map((i) => i.id)).toEqual([use.id, purchase.id, grant.id]);
    expect(all.items[2]).toMatchObject({ type: 'admin_grant', amount: 40, balanceAfter: 40, username: admin.username, paymentId: grant.paymentId });
    expect(all.items[0]).toMatchObject({ type: 'usage', amount: -7, balanceBefore: 60, balanceAfter: 53, username: user.username });
    for (const item of all.items) expect(item.customerName).toMatch(/^Ledger_/);

    expect((await listTransactions(db, customerId, { order: 'asc' })).items.map((i) => i.id)).toEqual([grant.id, purchase.id, use.id]);
    const manual = await listTransactions(db, customerId, { source: 'manual_admin' });
    expect(manual.items.map((i) => i.id)).toEqual([grant.id]);
    expect(manual.total).toBe(1);
    expect((await listTransactions(db, customerId, { type: 'usage' })).items.map((i) => i.id)).toEqual([use.id]);
    expect((await listTransactions(db, customerId, { userId: user.id })).total).toBe(2);

    const page2 = await listTransactions(db, customerId, { pageSize: 2, page: 2 });
    expect(page2).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page2.items.map((i) => i.id)).toEqual([grant.id]);

    // The other customer's rows never leak into this one's list; platform scope sees both.
    const platform = await listTransactions(db, undefined, { pageSize: 100 });
    expect(platform.items.some((i) => i.customerId === other)).toBe(true);
    expect(platform.items.some((i) => i.customerId === customerId)).toBe(true);
  });
});

describe('invariants enforced by the database (plain SQL)', () => {
  it('credit_transactions is append-only: UPDATE, DELETE and TRUNCATE raise', async () => {
    const customerId = await newCustomer();
    const row = await credit(customerId, 25);
    await expect(db.query('UPDATE credit_transactions SET amount = 1000 WHERE id = $1', [row.id])).rejects.toThrow(
      /append-only: UPDATE is not allowed/,
    );
    await expect(db.query('UPDATE credit_transactions SET description = $2 WHERE id = $1', [row.id, 'rewritten'])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query('DELETE FROM credit_transactions WHERE id = $1', [row.id])).rejects.toThrow(/append-only: DELETE is not allowed/);
    await expect(db.query('TRUNCATE credit_transactions')).rejects.toThrow(/append-only: TRUNCATE is not allowed/);
    const { rows } = await db.query('SELECT amount, description FROM credit_transactions WHERE id = $1', [row.id]);
    expect(rows).toEqual([{ amount: 25, description: 'purchase 25' }]);
  });

  it('customer_credits moves only through the ledger: direct UPDATE or DELETE raises', async () => {
    const customerId = await newCustomer();
    await credit(customerId, 10);
    await expect(db.query('UPDATE customer_credits SET balance = balance + 1000 WHERE customer_id = $1', [customerId])).rejects.toThrow(
      /balances change only by inserting into credit_transactions/,
    );
    await expect(
      db.query('UPDATE customer_credits SET balance = 1000, total_purchased = 1000 WHERE customer_id = $1', [customerId]),
    ).rejects.toThrow(/balances change only by inserting into credit_transactions/);
    await expect(db.query('DELETE FROM customer_credits WHERE customer_id = $1', [customerId])).rejects.toThrow(/cannot be deleted/);
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 10, totalPurchased: 10 });
  });

  it('a ledger row that would make the balance negative is refused', async () => {
    const customerId = await newCustomer();
    await credit(customerId, 5);
    const err = await rejection(
      db.query(`INSERT INTO credit_transactions (customer_id, type, amount, description) VALUES ($1, 'usage', -6, 'overdraw')`, [customerId]),
    );
    expect(err).toMatchObject({ code: '23514', constraint: 'customer_credits_balance_check' });
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 5, totalUsed: 0 });
    expect(await rowCount(customerId)).toBe(1);
  });

  it('amount signs by type: additions positive, usage negative, adjustments non-zero; unknown types refused', async () => {
    const customerId = await newCustomer();
    await credit(customerId, 100);
    const bad: Array<[string, number]> = [
      ['purchase', -5],
      ['purchase', 0],
      ['admin_grant', -1],
      ['refund', -1],
      ['usage', 5],
      ['usage', 0],
      ['adjustment', 0],
    ];
    for (const [type, amount] of bad) {
      const err = await rejection(
        db.query('INSERT INTO credit_transactions (customer_id, type, amount, description) VALUES ($1, $2, $3, $4)', [
          customerId,
          type,
          amount,
          'bad sign',
        ]),
      );
      expect(err, `${type} ${amount}`).toMatchObject({ code: '23514', constraint: 'credit_transactions_amount_sign' });
    }
    const unknown = await rejection(
      db.query(`INSERT INTO credit_transactions (customer_id, type, amount, description) VALUES ($1, 'gift', 5, 'x')`, [customerId]),
    );
    // Refused by the type CHECK (PostgreSQL may report the sign rule first: both reject an unknown type).
    expect(unknown).toMatchObject({ code: '23514', constraint: expect.stringMatching(/^credit_transactions_(type_check|amount_sign)$/) });
    // Good signs pass, including adjustments both ways.
    for (const [type, amount] of [
      ['adjustment', 3],
      ['adjustment', -2],
      ['usage', -1],
    ] as const) {
      await db.query('INSERT INTO credit_transactions (customer_id, type, amount, description) VALUES ($1, $2, $3, $4)', [
        customerId,
        type,
        amount,
        'ok',
      ]);
    }
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 100 });
    expect(await rowCount(customerId)).toBe(4);
  });

  it('a hand-written ledger row cannot lie: id, balance_before/after and created_at are stamped by the database', async () => {
    const customerId = await newCustomer();
    const first = await credit(customerId, 50);
    const { rows } = await db.query<{ id: number; balance_before: number; balance_after: number; created_at: Date }>(
      `INSERT INTO credit_transactions (id, customer_id, type, amount, balance_before, balance_after, description, created_at)
       VALUES ($1, $2, 'purchase', 10, 1000, 1010, 'forged', '2001-01-01T00:00:00Z')
       RETURNING id, balance_before, balance_after, created_at`,
      [first.id, customerId],
    );
    expect(rows[0]).toMatchObject({ balance_before: 50, balance_after: 60 });
    expect(rows[0]!.id).toBeGreaterThan(first.id);
    expect(rows[0]!.created_at.getUTCFullYear()).toBeGreaterThan(2001);
    expect(await getBalance(db, customerId)).toMatchObject({ balance: 60 });
  });

  it('every new customer gets a credit account at zero', async () => {
    const ids = [await newCustomer(), await newCustomer(), await newCustomer()];
    const { rows } = await db.query('SELECT customer_id, balance, total_purchased, total_used FROM customer_credits WHERE customer_id = ANY($1) ORDER BY 1', [
      ids,
    ]);
    expect(rows).toEqual(ids.map((customer_id) => ({ customer_id, balance: 0, total_purchased: 0, total_used: 0 })));
    const stats = await db.query('SELECT credit_balance FROM customer_stats WHERE id = ANY($1)', [ids]);
    expect(stats.rows).toEqual(ids.map(() => ({ credit_balance: 0 })));
  });
});

describe('concurrency and the ledger chain', () => {
  it(`50 concurrent debits of 1 against a balance of 10: exactly 10 succeed${onPostgres ? ' (pg pool)' : ''}`, async () => {
    const customerId = await newCustomer();
    await credit(customerId, 10);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => debit(customerId, 1)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const f of failed) expect(f.reason).toBeInstanceOf(InsufficientCreditsError);
    expect(await getBalance(db, customerId)).toEqual({ customerId, balance: 0, totalPurchased: 10, totalUsed: 10 });
    expect(await rowCount(customerId)).toBe(11);
    await expectChainIntact([customerId]);
  });

  it('after a random mix of operations (seeded), every balance equals its ledger and the chain has no gaps', async () => {
    const seed = Number(process.env.LEDGER_SEED ?? 20_241_124);
    const random = mulberry32(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const customers = [await newCustomer(), await newCustomer(), await newCustomer(), await newCustomer()];
    const model = new Map(customers.map((id) => [id, { balance: 0, purchased: 0, used: 0 }]));

    // Sequential phase: every result must match a simple model of the account.
    for (let step = 0; step < 300; step++) {
      const customerId = customers[int(0, customers.length - 1)]!;
      const m = model.get(customerId)!;
      const op = int(0, 9);
      const where = `seed ${seed}, step ${step}`;
      if (op <= 2) {
        const amount = int(1, 200);
        const row = await credit(customerId, amount, op === 0 ? 'admin_grant' : 'purchase');
        expect(row, where).toMatchObject({ balanceBefore: m.balance, balanceAfter: m.balance + amount });
        m.balance += amount;
        m.purchased += amount;
      } else if (op <= 8) {
        const amount = int(1, 120);
        if (amount <= m.balance) {
          const row = await debit(customerId, amount);
          expect(row, where).toMatchObject({ amount: -amount, balanceBefore: m.balance, balanceAfter: m.balance - amount });
          m.balance -= amount;
          m.used += amount;
        } else {
          expect(await rejection(debit(customerId, amount)), where).toMatchObject({ status: 402, balance: m.balance, required: amount });
        }
      } else if (m.used > 0) {
        const amount = int(1, Math.min(m.used, 50));
        await credit(customerId, amount, 'refund');
        m.balance += amount;
        m.used -= amount;
      }
    }
    for (const id of customers) {
      const m = model.get(id)!;
      expect(await getBalance(db, id), `customer ${id}, seed ${seed}`).toEqual({
        customerId: id,
        balance: m.balance,
        totalPurchased: m.purchased,
        totalUsed: m.used,
      });
    }

    // Concurrent phase: many overlapping operations (real parallelism on PostgreSQL).
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => {
        const customerId = customers[int(0, customers.length - 1)]!;
        return random() < 0.4 ? credit(customerId, int(1, 100)) : debit(customerId, int(1, 80));
      }),
    );
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientCreditsError);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(50);
    await expectChainIntact(customers);
  });
});

/** balance = Σ amount = balance_after of the newest row; rows by id form a gap-free chain from 0. */
async function expectChainIntact(customerIds: number[]): Promise<void> {
  for (const customerId of customerIds) {
    const { rows } = await db.query<{
      id: number;
      type: string;
      amount: number;
      balance_before: number;
      balance_after: number;
      created_at: Date;
    }>('SELECT id, type, amount, balance_before, balance_after, created_at FROM credit_transactions WHERE customer_id = $1 ORDER BY id', [
      customerId,
    ]);
    const account = await getBalance(db, customerId);
    let running = 0;
    let purchased = 0;
    for (const [i, r] of rows.entries()) {
      expect(r.balance_before, `customer ${customerId}, row ${r.id} (#${i})`).toBe(running);
      expect(r.balance_after).toBe(r.balance_before + r.amount);
      expect(r.balance_after).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(r.created_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.created_at.getTime());
      running = r.balance_after;
      if (r.amount > 0 && r.type !== 'refund') purchased += r.amount;
    }
    const sum = rows.reduce((s, r) => s + r.amount, 0);
    expect(account.balance).toBe(sum);
    expect(account.balance).toBe(rows.at(-1)?.balance_after ?? 0);
    expect(account.totalPurchased).toBe(purchased);
    expect(account.balance).toBe(account.totalPurchased - account.totalUsed);
  }
}

/** A small seeded PRNG, so a failing run can be replayed with LEDGER_SEED. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
