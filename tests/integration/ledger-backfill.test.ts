import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeCredits, creditSummary, listGrants, verifyLedger } from '@/app/lib/credits';
import { migrate } from '@/app/lib/db/migrate';
import type { Db } from '@/app/lib/db/types';
import { createTestDb, type TestDatabase } from '../support/db';
import { allocationsOf } from '../support/ledger-fixtures';
import { assertLedgerInvariants } from '../support/ledger-invariants';

/**
 * Migration 020 on a database that already has a ledger: every past addition becomes a grant whose
 * remaining is the balance taken newest grant first, the totals are split by kind, every row gets
 * its running totals and hash, and the ledger then works on as if it had always been v2.
 */

let t: TestDatabase;
let db: Db;
beforeAll(async () => {
  t = await createTestDb({ migrateTo: 14 });
  db = t.db;
});
afterAll(async () => {
  await t?.drop();
});

describe('migration 020 backfill', () => {
  it('turns an existing ledger into grants, totals and a hash chain that verify', async () => {
    const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (name) VALUES ('Legacy A'), ('Legacy B') RETURNING id`);
    const [a, b] = rows.map((r) => r.id) as [number, number];
    const legacy: Array<[number, string, number]> = [
      [a, 'purchase', 100],
      [a, 'usage', -30],
      [a, 'admin_grant', 50],
      [a, 'usage', -100],
      [a, 'refund', 5],
      [a, 'adjustment', -2],
      [b, 'admin_grant', 7],
    ];
    for (const [customerId, type, amount] of legacy) {
      await db.query('INSERT INTO credit_transactions (customer_id, type, amount, description) VALUES ($1, $2, $3, $4)', [customerId, type, amount, 'legacy']);
    }
    await migrate(db);
    await assertLedgerInvariants(db, 'after the backfill');
    expect(await verifyLedger(db)).toEqual({ ok: true, checked: 7, firstBadTransactionId: null });
    // Balance 23: the newest grant (50) holds it; the purchase is spent.
    const grants = (await listGrants(db, a, {})).items;
    expect(grants.map((g) => [g.category, g.amount, g.remaining, g.status])).toEqual([
      ['promotional', 50, 23, 'active'],
      ['paid', 100, 0, 'spent'],
    ]);
    expect((await creditSummary(db, a)).breakdown).toEqual({ purchased: 150, paid: 100, promotional: 50, used: 125, refunded: 5, expired: 0, voided: 0, deducted: 2 });
    const d = await consumeCredits(db, { customerId: a, userId: null, amount: 3, description: 'after the migration' });
    expect(await allocationsOf(db, d.id)).toEqual({ [grants[0]!.id]: -3 });
    expect(await verifyLedger(db)).toMatchObject({ ok: true, checked: 8 });
  });
});
