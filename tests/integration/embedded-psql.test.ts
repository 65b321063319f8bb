/**
 * The guide's psql steps against the default installation: the embedded database served on a local
 * port over PostgreSQL's wire protocol (PGLITE_SOCKET_PORT), reached by the real `pg` client and,
 * where it is installed, by psql itself; and run-migration-013's repair of a hand-edited view.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type PgliteDb } from '@/app/lib/db/pglite';
import { readPgliteTemplate } from '@/app/lib/db/pglite-template';
import { migrate } from '@/app/lib/db/migrate';
import { repairCustomerStats } from '@/app/lib/db/view-repair';
import { createTestDb, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';
import { PLACEHOLDER, readGuideQueries, ROOT } from '../support/guide-sql';
import { freePort } from '../support/server';

const run = promisify(execFile);
const hasPsql = spawnSync('psql', ['--version']).status === 0;

describe.skipIf(onPostgres)('the embedded database over the PostgreSQL protocol', () => {
  let db: PgliteDb;
  let server: { stop(): Promise<void> };
  let url: string;

  beforeAll(async () => {
    db = await openPglite(undefined, { template: readPgliteTemplate });
    await migrate(db);
    await db.query(`INSERT INTO customers (name) VALUES ('Socket Co')`);
    const port = await freePort();
    server = await db.listen(port);
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  });
  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });

  it("answers every query of the guide verbatim through node-postgres", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const { sql } of readGuideQueries()) {
        const res = await client.query(sql.replaceAll(PLACEHOLDER, '1'));
        expect(Array.isArray(res.rows), sql).toBe(true);
      }
      const cols = await client.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'customer_stats'
            AND column_name IN ('credit_balance', 'total_credits_purchased', 'total_credits_used')`,
      );
      expect(cols.rows.map((r) => r.column_name).sort()).toEqual(['credit_balance', 'total_credits_purchased', 'total_credits_used']);
    } finally {
      await client.end();
    }
  });

  // Without psql installed, the node-postgres test above still covers the protocol.
  it.skipIf(!hasPsql)('takes psql -f on migration 013 (Option B) and keeps the app\'s own queries working', async () => {
    const out = await run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-f', `${ROOT}/database/migrations/013_add_credits_to_customer_stats.sql`]);
    expect(out.stdout).toMatch(/CREATE VIEW/);
    const { rows } = await db.query<{ name: string }>('SELECT name FROM customer_stats');
    expect(rows.map((r) => r.name)).toContain('Socket Co');
  });
});

describe('run-migration-013 repairs a customer_stats view edited by hand', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t?.drop());

  it('leaves an intact view alone, and puts back one that lost the credit columns', async () => {
    expect(await repairCustomerStats(t.db, () => {})).toBe('intact');
    await t.db.exec('DROP VIEW customer_stats; CREATE VIEW customer_stats AS SELECT id, name FROM customers');
    await expect(t.db.query('SELECT credit_balance FROM customer_stats')).rejects.toThrow();
    const lines: string[] = [];
    expect(await repairCustomerStats(t.db, (l) => lines.push(l))).toBe('repaired');
    // The newest migration that defines the view is the one it is put back to.
    expect(lines.join()).toMatch(/drifted from migration \d{3}: recreated it/);
    const { rows } = await t.db.query('SELECT id, name, credit_balance, total_credits_purchased, total_credits_used FROM customer_stats LIMIT 5');
    expect(Array.isArray(rows)).toBe(true);
    expect(await repairCustomerStats(t.db, () => {})).toBe('intact');
  });
});
