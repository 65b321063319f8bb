import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits, consumeCredits, getBalance, refundDebit, takeBackFromGrant, voidGrant } from '@/app/lib/credits';
import type { Db } from '@/app/lib/db/types';
import { rejection } from '../support/assert';
import { createTestDb, type TestDatabase } from '../support/db';
import { grantsOf, newCustomer, newUser, rowsOf } from '../support/ledger-fixtures';

/**
 * takeBackFromGrant (migration 040's partial void): up to N credits from one grant's remainder,
 * never from another grant, never below zero. Invariants are checked after each test.
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

const takeBack = (customerId: number, grantId: number, upTo: number) =>
  db.transaction((tx) => takeBackFromGrant(tx, { customerId, grantId, upTo, userId: null, description: `take back ${upTo}`, paymentId: null }));

describe('takeBackFromGrant', () => {
  it('takes part of a remainder and leaves the grant open; then no more than what is left; then nothing', async () => {
    const c = await newCustomer(db);
    const g = await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 100, description: 'pack' });
    const other = await addCredits(db, { customerId: c, userId: null, type: 'admin_grant', amount: 40, description: 'promo' });
    await consumeCredits(db, { customerId: c, userId: null, amount: 60, description: 'use' });
    // Spending order: oldest first, so the purchase has 40 left and the promotion all 40.
    expect(await takeBack(c, g.id, 25)).toMatchObject({ taken: 25 });
    expect(await grantsOf(db, c)).toEqual([
      { id: g.id, remaining: 15, closed: null },
      { id: other.id, remaining: 40, closed: null },
    ]);
    expect(await takeBack(c, g.id, 50)).toMatchObject({ taken: 15 });
    expect((await grantsOf(db, c))[0]).toEqual({ id: g.id, remaining: 0, closed: 'voided' });
    expect(await takeBack(c, g.id, 10)).toEqual({ taken: 0, transaction: null });
    expect((await getBalance(db, c)).balance).toBe(40);
    expect((await rowsOf(db, c)).filter((r) => r.type === 'void')).toEqual([
      expect.objectContaining({ amount: -25, grant_id: g.id }),
      expect.objectContaining({ amount: -15, grant_id: g.id }),
    ]);
  });

  it('a look-up refunded into a partly taken-back grant stays there; a fully voided one gives it up again', async () => {
    const c = await newCustomer(db);
    const user = await newUser(db, c);
    const g = await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 10, description: 'pack' });
    const use = await consumeCredits(db, { customerId: c, userId: user.id, amount: 4, description: 'look-up' });
    await takeBack(c, g.id, 3);
    await refundDebit(db, use.id, { userId: user.id, description: 'refund', amount: 2 });
    expect((await grantsOf(db, c))[0]).toEqual({ id: g.id, remaining: 5, closed: null });
    await voidGrant(db, { id: user.id, username: user.username }, g.id, c, 'all of it');
    await refundDebit(db, use.id, { userId: user.id, description: 'refund', amount: 2 });
    expect((await grantsOf(db, c))[0]).toEqual({ id: g.id, remaining: 0, closed: 'voided' });
    expect((await getBalance(db, c)).balance).toBe(0);
  });

  it('refuses another customer’s grant and amounts that are not positive whole numbers', async () => {
    const c = await newCustomer(db);
    const stranger = await newCustomer(db);
    const g = await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 10, description: 'pack' });
    expect(await rejection(takeBack(stranger, g.id, 1))).toBeInstanceOf(RangeError);
    expect(await rejection(takeBack(c, g.id, 0))).toBeInstanceOf(RangeError);
    expect(await rejection(takeBack(c, g.id, 1.5))).toBeInstanceOf(RangeError);
    // The database refuses a void bigger than the grant's remainder, whoever writes it, even when the balance would cover it.
    await addCredits(db, { customerId: c, userId: null, type: 'admin_grant', amount: 50, description: 'promo' });
    expect(await rejection(db.query(`INSERT INTO credit_transactions (customer_id, type, amount, description, grant_id) VALUES ($1, 'void', -11, 'x', $2)`, [c, g.id]))).toMatchObject({
      code: '23514',
      constraint: 'credit_grants_close',
    });
    expect((await grantsOf(db, c))[0]).toEqual({ id: g.id, remaining: 10, closed: null });
  });
});
