import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addCredits,
  adminDeductCredits,
  bookDueExpiries,
  consumeCredits,
  getBalance,
  InsufficientCreditsError,
  listGrants,
  refundDebit,
  voidGrant,
} from '@/app/lib/credits';
import type { Db } from '@/app/lib/db/types';
import { AppError } from '@/app/lib/errors';
import { createTestDb, type TestDatabase } from '../support/db';
import { allocationsOf, grantsOf, newCustomer, newUser } from '../support/ledger-fixtures';
import { assertLedgerInvariants } from '../support/ledger-invariants';

/**
 * Random sequences of grants (paid or promotional, any priority, expiring in the past, the future
 * or never), expiry runs, voids, deductions, look-ups and refunds, played against the ledger and
 * against a model of it: every debit must draw exactly what the model's spending order says
 * (priority, soonest expiry with none last, oldest), every refund must go back to the grants its
 * debit drew on, every refusal must match the model's, and after each sequence every ledger
 * invariant holds. A grant "expiring in the past" stands for one whose time has come before the job
 * ran: the next debit, void or expiry run must book it.
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

type Op =
  | { op: 'grant'; amount: number; paid: boolean; priority: number; expiry: 'none' | 'past' | 'future' }
  | { op: 'use'; amount: number }
  | { op: 'deduct'; amount: number }
  | { op: 'refund'; pick: number; amount: number | null }
  | { op: 'void'; pick: number }
  | { op: 'expire' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('grant' as const), amount: fc.integer({ min: 1, max: 20 }), paid: fc.boolean(), priority: fc.constantFrom(0, 50, 100, 100, 1000), expiry: fc.constantFrom('none' as const, 'past' as const, 'future' as const) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('use' as const), amount: fc.integer({ min: 1, max: 15 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deduct' as const), amount: fc.integer({ min: 1, max: 15 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('refund' as const), pick: fc.nat(), amount: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('void' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'expire' as const }) },
);

interface ModelGrant {
  id: number;
  remaining: number;
  priority: number;
  expiresAt: number | null;
  closed: 'expired' | 'voided' | null;
}

interface ModelDebit {
  id: number;
  /** grant id → credits drawn and not yet given back */
  open: Map<number, number>;
}

class Model {
  grants: ModelGrant[] = [];
  debits: ModelDebit[] = [];

  get balance() {
    return this.grants.reduce((s, g) => s + g.remaining, 0);
  }

  bookExpiries(now: number) {
    for (const g of this.grants) {
      if (g.remaining > 0 && g.expiresAt !== null && g.expiresAt <= now) {
        g.remaining = 0;
        g.closed = 'expired';
      }
    }
  }

  /** What a debit of n draws, grant by grant, in spending order; undefined when the balance is short. */
  draw(n: number, now: number): Map<number, number> | undefined {
    this.bookExpiries(now);
    if (this.balance < n) return undefined;
    const order = this.grants
      .filter((g) => g.remaining > 0)
      .sort((a, b) => a.priority - b.priority || (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) || a.id - b.id);
    const drawn = new Map<number, number>();
    for (const g of order) {
      if (n === 0) break;
      const take = Math.min(n, g.remaining);
      g.remaining -= take;
      n -= take;
      drawn.set(g.id, -take);
    }
    return drawn;
  }
}

const HOUR = 3_600_000;

async function play(ops: Op[]): Promise<void> {
  const customerId = await newCustomer(db, 'Prop');
  const user = await newUser(db, customerId);
  const m = new Model();
  for (const o of ops) {
    const now = Date.now();
    if (o.op === 'grant') {
      const expiresAt = o.expiry === 'none' ? null : new Date(now + (o.expiry === 'past' ? -HOUR : HOUR) + m.grants.length);
      const row = await addCredits(db, {
        customerId,
        userId: null,
        type: o.paid ? 'purchase' : 'admin_grant',
        amount: o.amount,
        description: 'prop grant',
        priority: o.priority,
        expiresAt,
      });
      m.grants.push({ id: row.id, remaining: o.amount, priority: o.priority, expiresAt: expiresAt?.getTime() ?? null, closed: null });
    } else if (o.op === 'use' || o.op === 'deduct') {
      const before = m.grants.map((g) => ({ ...g }));
      const expected = m.draw(o.amount, now);
      // A refused look-up keeps the expiries it booked (its debit is refused without an error); a
      // refused deduction is an error that rolls them back with it.
      if (!expected && o.op === 'deduct') m.grants = before;
      const result = await (o.op === 'use'
        ? consumeCredits(db, { customerId, userId: user.id, amount: o.amount, description: 'prop use' })
        : adminDeductCredits(db, admin, { customerId, amount: o.amount, description: 'prop deduct' })
      ).catch((err: unknown) => err);
      if (!expected) {
        expect(result, `${o.op} ${o.amount} must be refused`).toBeInstanceOf(o.op === 'use' ? InsufficientCreditsError : AppError);
        continue;
      }
      expect(result).not.toBeInstanceOf(Error);
      const id = (result as { id: number }).id;
      expect(await allocationsOf(db, id), `${o.op} ${o.amount} draws in spending order`).toEqual(Object.fromEntries(expected));
      if (o.op === 'use') m.debits.push({ id, open: new Map([...expected].map(([g, a]) => [g, -a])) });
    } else if (o.op === 'refund') {
      const candidates = m.debits.filter((d) => [...d.open.values()].some((v) => v > 0));
      if (!candidates.length) continue;
      const d = candidates[o.pick % candidates.length]!;
      const open = [...d.open.values()].reduce((s, v) => s + v, 0);
      const amount = o.amount === null ? open : Math.min(o.amount, open);
      const row = await refundDebit(db, d.id, { userId: user.id, description: 'prop refund', amount });
      // Given back newest-grant first (the trigger's order), each closed grant closing again at once.
      const expected: Record<number, number> = {};
      let left = amount;
      for (const gid of [...d.open.keys()].sort((a, b) => b - a)) {
        const take = Math.min(left, d.open.get(gid)!);
        if (take === 0) continue;
        d.open.set(gid, d.open.get(gid)! - take);
        expected[gid] = take;
        const g = m.grants.find((x) => x.id === gid)!;
        if (!g.closed) g.remaining += take;
        left -= take;
        if (left === 0) break;
      }
      expect(await allocationsOf(db, row.id), 'a refund goes back to the grants its debit drew on').toEqual(expected);
    } else if (o.op === 'void') {
      if (!m.grants.length) continue;
      const g = m.grants[o.pick % m.grants.length]!;
      const overdue = g.remaining > 0 && g.expiresAt !== null && g.expiresAt <= now && !g.closed;
      const result = await voidGrant(db, admin, g.id, undefined, 'prop void').catch((err: unknown) => err);
      if (g.closed || g.remaining === 0 || overdue) {
        // Refused, and the expiries it booked on the way are rolled back with it.
        expect(result).toMatchObject({ status: 409 });
      } else {
        m.bookExpiries(now);
        expect(result).toMatchObject({ type: 'void', amount: -g.remaining });
        g.remaining = 0;
        g.closed = 'voided';
      }
    } else {
      await bookDueExpiries(db);
      m.bookExpiries(Date.now());
    }
    expect(await grantsOf(db, customerId), `after ${JSON.stringify(o)}`).toEqual(
      m.grants.map((g) => ({ id: g.id, remaining: g.remaining, closed: g.closed })),
    );
  }
  await bookDueExpiries(db);
  m.bookExpiries(Date.now());
  expect((await grantsOf(db, customerId)).map((g) => g.remaining)).toEqual(m.grants.map((g) => g.remaining));
  expect(await getBalance(db, customerId)).toMatchObject({ balance: m.balance });
  const statuses = (await listGrants(db, customerId, { pageSize: 100 })).items;
  for (const s of statuses) {
    const g = m.grants.find((x) => x.id === s.id)!;
    expect(s.status).toBe(g.closed ?? (g.remaining > 0 ? 'active' : 'spent'));
  }
  await assertLedgerInvariants(db);
}

describe('ledger properties (fast-check)', () => {
  it('random sequences keep every invariant and the spending order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => play(ops)),
      {
        numRuns: 40,
        // Found by a CI run: a deduction refused after booking a due expiry rolls that booking back.
        examples: [[[{ op: 'grant', amount: 1, paid: false, priority: 0, expiry: 'past' }, { op: 'deduct', amount: 1 }, { op: 'void', pick: 0 }]]],
      },
    );
  });
});
