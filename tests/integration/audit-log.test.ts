import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '@/app/lib/audit';
import { createTestDb, type TestDatabase } from '../support/db';

/** The audit log is append-only in the database itself, like the ledger. */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDb();
  await recordAudit(t.db, { action: 'customer.created', actor: { id: 1, username: 'root' }, customerId: 1, target: { type: 'customer', id: 1 }, after: { name: 'Acme' } });
});
afterAll(async () => {
  await t?.drop();
});

describe('audit_events', () => {
  it.each([
    ['UPDATE', `UPDATE audit_events SET action = 'customer.updated'`],
    ['DELETE', 'DELETE FROM audit_events'],
    ['TRUNCATE', 'TRUNCATE audit_events'],
  ])('%s is refused by the database', async (_op, sql) => {
    await expect(t.db.query(sql)).rejects.toThrow(/append-only/);
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
    expect(rows[0]!.n).toBe(1);
  });

  it('refuses a malformed action name and secrets in before/after', async () => {
    await expect(t.db.query(`INSERT INTO audit_events (action) VALUES ('Not An Action')`)).rejects.toThrow();
    await expect(recordAudit(t.db, { action: 'user.password_changed', actor: null, after: { newPassword: 'x' } })).rejects.toThrow(/secrets never enter/);
    await expect(recordAudit(t.db, { action: 'two_factor.enabled', actor: null, after: { recoveryCodes: ['a'] } })).rejects.toThrow(/secrets never enter/);
  });

  it('is written with the transaction it belongs to: a rolled-back change leaves no event', async () => {
    const rollback = new Error('rollback');
    await expect(
      t.db.transaction(async (tx) => {
        await recordAudit(tx, { action: 'customer.updated', actor: null, customerId: 1 });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'customer.updated'`);
    expect(rows[0]!.n).toBe(0);
  });
});
