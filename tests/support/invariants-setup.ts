import { afterEach } from 'vitest';
import { openTestDatabases } from './db';
import { assertLedgerInvariants } from './ledger-invariants';

/**
 * After every integration test, on PGlite and PostgreSQL alike: the ledger of each test database
 * still open satisfies every invariant. Databases migrated to a version before the grants ledger
 * (migration tests) have none of its tables and are skipped.
 */
afterEach(async (ctx) => {
  for (const t of openTestDatabases) {
    const { rows } = await t.db.query<{ v2: boolean }>(`SELECT to_regclass('public.credit_allocations') IS NOT NULL AS v2`).catch(() => ({ rows: [] }));
    if (!rows[0]?.v2) continue;
    await assertLedgerInvariants(t.db, `after "${ctx.task.name}"`);
  }
});
