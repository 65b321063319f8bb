import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '@/app/lib/auth/caller';
import type { Db, Queryable } from '@/app/lib/db/types';
import { approveGrant, expireApprovals, getBatch, listApprovals, rejectGrant, requestGrant, runBulkBatches, submitBulk } from '@/app/lib/grants-ops';
import type { BulkRow } from '@/app/lib/grants-ops/schemas';
import { createTestDb, type TestDatabase } from '../support/db';
import { rejection } from '../support/assert';
import { newCustomer, newUser } from '../support/ledger-fixtures';

/**
 * The grants-ops domain on the database: a batch survives a crash mid-run without booking a row
 * twice; approvals book as the requester's row, expire after 7 days, and of a concurrent approve
 * and reject exactly one wins; the daily limit holds.
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
const ENV = ['GRANT_APPROVAL_THRESHOLD', 'ADMIN_DAILY_GRANT_LIMIT', 'CUSTOMER_ADMIN_SELF_GRANTS'];
afterEach(() => {
  for (const name of ENV) delete process.env[name];
});

async function superAdmin(): Promise<Caller> {
  const u = await newUser(db, null, 'SUPER_ADMIN');
  return { ...u, role: 'SUPER_ADMIN', customerId: null, customerName: null, customerStatus: null, active: true, twoFactor: false, sessionId: 0, apiKey: null, client: { address: '127.0.0.1', userAgent: null } };
}
const rowsFor = (customers: number[], amount = 3): BulkRow[] => customers.map((customerId, i) => ({ line: i + 2, fields: { customerId, amount, description: `bulk ${i}` } }));
const manualRows = (q: Queryable, customerId: number) =>
  q.query<{ payment_id: string; description: string; user_id: number }>(
    `SELECT payment_id, description, user_id FROM credit_transactions WHERE customer_id = $1 AND payment_id LIKE 'MANUAL_ADMIN_%' ORDER BY id`,
    [customerId],
  ).then((r) => r.rows);

/** A Db whose transactions die (as a killed process would) after `statements` statements in total. */
function crashingAfter(inner: Db, statements: number): Db {
  let left = statements;
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      if (left-- <= 0) return Promise.reject(new Error('simulated crash'));
      return q.query(sql, params);
    },
    exec: (sql) => q.exec(sql),
  });
  return {
    kind: inner.kind,
    query: (s, p) => inner.query(s, p),
    exec: (s) => inner.exec(s),
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
    close: () => inner.close(),
    status: () => inner.status(),
    reads: (after) => inner.reads(after),
    writePosition: () => inner.writePosition(),
  };
}

describe('bulk batches', () => {
  it('a run that dies mid-batch leaves whole chunks booked or pending; the next run books the rest, each row exactly once', async () => {
    const admin = await superAdmin();
    const customers = await Promise.all(Array.from({ length: 5 }, () => newCustomer(db, 'Bulk')));
    const rows = rowsFor(Array.from({ length: 450 }, (_, i) => customers[i % 5]!));
    const { batchId } = await submitBulk(db, admin, rows);
    // At least one statement a row: the first chunk of 200 commits, the crash hits the second.
    await expect(runBulkBatches(crashingAfter(db, 300))).rejects.toThrow('simulated crash');
    const half = await getBatch(db, batchId, false);
    expect(half.status).toBe('running');
    expect(half.succeeded).toBeGreaterThan(0);
    expect(half.succeeded).toBeLessThan(450);
    expect(half.succeeded % 200).toBe(0);
    await runBulkBatches(db);
    const done = await getBatch(db, batchId, true);
    expect(done).toMatchObject({ status: 'done', total: 450, processed: 450, succeeded: 450, failed: 0 });
    for (const c of customers) {
      const booked = await manualRows(db, c);
      expect(booked).toHaveLength(90);
      for (const r of booked) {
        expect(r.payment_id).toMatch(new RegExp(`^MANUAL_ADMIN_${admin.id}_\\d+$`));
        expect(r.description).toMatch(new RegExp(`^\\[ADMIN\\] bulk \\d+ \\(Added by: ${admin.username}\\)$`));
      }
    }
    const ids = done.rows.map((r) => r.transactionId);
    expect(new Set(ids).size).toBe(450);
  });
});

describe('approvals', () => {
  it('above the threshold nothing books until another SUPER_ADMIN approves; the row is the requester\'s, the approver is audited', async () => {
    process.env.GRANT_APPROVAL_THRESHOLD = '500';
    const [alice, bob] = [await superAdmin(), await superAdmin()];
    const c = await newCustomer(db, 'Approve');
    const out = await requestGrant(db, alice, { customerId: c, amount: 600, description: 'Big promo' });
    expect('approval' in out && out.approval).toMatchObject({ status: 'pending', customerId: c, amount: 600, description: 'Big promo', requestedBy: alice.username });
    expect(await manualRows(db, c)).toEqual([]);
    const id = 'approval' in out ? out.approval.id : 0;
    expect((await rejection(approveGrant(db, alice, id))).status).toBe(403);
    const approved = await approveGrant(db, bob, id);
    expect(approved.transaction).toMatchObject({ amount: 600, balanceAfter: 600, description: `[ADMIN] Big promo (Added by: ${alice.username})` });
    const [row] = await manualRows(db, c);
    expect(row!.user_id).toBe(alice.id);
    expect(row!.payment_id).toMatch(new RegExp(`^MANUAL_ADMIN_${alice.id}_`));
    const { rows: events } = await db.query<{ action: string; actor_username: string }>(
      `SELECT action, actor_username FROM audit_events WHERE customer_id = $1 ORDER BY id`,
      [c],
    );
    expect(events).toEqual([
      { action: 'credits.approval_requested', actor_username: alice.username },
      { action: 'credits.added', actor_username: bob.username },
      { action: 'credits.approval_approved', actor_username: bob.username },
    ]);
    // A grant at the threshold books at once.
    expect('transaction' in (await requestGrant(db, alice, { customerId: c, amount: 500, description: 'small' }))).toBe(true);
  });

  it('a concurrent approve and reject: exactly one wins, and at most one row is booked', async () => {
    process.env.GRANT_APPROVAL_THRESHOLD = '1';
    const [alice, bob, carol] = [await superAdmin(), await superAdmin(), await superAdmin()];
    for (let round = 0; round < 5; round++) {
      const c = await newCustomer(db, 'Race');
      const out = await requestGrant(db, alice, { customerId: c, amount: 5, description: 'race' });
      const id = 'approval' in out ? out.approval.id : 0;
      const results = await Promise.allSettled([approveGrant(db, bob, id), rejectGrant(db, carol, id, 'no')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason.status).toBe(409);
      const booked = await manualRows(db, c);
      expect(booked).toHaveLength(results[0]!.status === 'fulfilled' ? 1 : 0);
    }
  });

  it('a pending approval expires after 7 days: listed as expired, refused with a 409, its batch rows failed', async () => {
    process.env.GRANT_APPROVAL_THRESHOLD = '10';
    const [alice, bob] = [await superAdmin(), await superAdmin()];
    const c = await newCustomer(db, 'Expire');
    const single = await requestGrant(db, alice, { customerId: c, amount: 50, description: 'late' });
    const batch = await submitBulk(db, alice, rowsFor([c, c, c], 5));
    const ids = ['approval' in single ? single.approval.id : 0, batch.approval!.id];
    await db.query(`UPDATE grant_approvals SET requested_at = requested_at - interval '7 days 1 minute', deadline = deadline - interval '7 days 1 minute' WHERE id = ANY($1::int[])`, [ids]);
    const listed = await listApprovals(db, c, { status: 'expired' });
    expect(listed.items.map((a) => a.id)).toEqual([ids[0]]);
    const err = await rejection(approveGrant(db, bob, ids[0]!));
    expect(err).toMatchObject({ status: 409, message: 'Approval expired' });
    expect(await expireApprovals(db)).toBeGreaterThanOrEqual(2);
    expect((await getBatch(db, batch.batchId, true)).rows.map((r) => [r.status, r.error])).toEqual(Array(3).fill(['failed', 'The batch was not approved within 7 days']));
    expect((await getBatch(db, batch.batchId, false)).status).toBe('done');
    expect(await manualRows(db, c)).toEqual([]);
  });
});

describe('ADMIN_DAILY_GRANT_LIMIT', () => {
  it('caps one admin per UTC day across grants, approvals and batches; a rejected approval gives its credits back', async () => {
    process.env.ADMIN_DAILY_GRANT_LIMIT = '100';
    process.env.GRANT_APPROVAL_THRESHOLD = '50';
    const [alice, bob] = [await superAdmin(), await superAdmin()];
    const c = await newCustomer(db, 'Daily');
    await requestGrant(db, alice, { customerId: c, amount: 40, description: 'a' });
    const pending = await requestGrant(db, alice, { customerId: c, amount: 60, description: 'b' });
    const over = await rejection(requestGrant(db, alice, { customerId: c, amount: 1, description: 'c' }));
    expect(over).toMatchObject({ status: 409, code: 'daily_limit_reached', message: 'Daily grant limit reached' });
    expect(over.details).toMatch(/at most 100 credits per UTC day.*granted or requested 100 today, so 0 more/);
    expect((await rejection(submitBulk(db, alice, rowsFor([c], 1)))).status).toBe(409);
    // Another admin's day is their own.
    expect('transaction' in (await requestGrant(db, bob, { customerId: c, amount: 30, description: 'd' }))).toBe(true);
    await rejectGrant(db, bob, 'approval' in pending ? pending.approval.id : 0, 'too much');
    expect('transaction' in (await requestGrant(db, alice, { customerId: c, amount: 50, description: 'e' }))).toBe(true);
  });
});

describe('CUSTOMER_ADMIN_SELF_GRANTS', () => {
  it('approval: a customer admin\'s grant waits whatever its size; off: 403', async () => {
    const c = await newCustomer(db, 'Self');
    const u = await newUser(db, c, 'CUSTOMER_ADMIN');
    const ca: Caller = { ...u, role: 'CUSTOMER_ADMIN', customerId: c, customerName: 'x', customerStatus: 'active', active: true, twoFactor: false, sessionId: 0, apiKey: null, client: { address: '127.0.0.1', userAgent: null } };
    expect('transaction' in (await requestGrant(db, ca, { customerId: c, amount: 1, description: 'default allowed' }))).toBe(true);
    process.env.CUSTOMER_ADMIN_SELF_GRANTS = 'approval';
    expect('approval' in (await requestGrant(db, ca, { customerId: c, amount: 1, description: 'waits' }))).toBe(true);
    process.env.CUSTOMER_ADMIN_SELF_GRANTS = 'off';
    expect((await rejection(requestGrant(db, ca, { customerId: c, amount: 1, description: 'no' }))).status).toBe(403);
  });
});
