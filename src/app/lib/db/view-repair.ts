import 'server-only';
import { loadMigrations } from './migrate';
import type { Db } from './types';

const VIEW_STATEMENT = /CREATE OR REPLACE VIEW customer_stats AS\s([\s\S]*?);/i;

/**
 * The `customer_stats` view as the newest applied migration defines it. A view edited or replaced by
 * hand after its migration ran (the guide's "Failed to fetch customers") is put back; one that
 * matches is left alone. The comparison is PostgreSQL's own rendering of both definitions, so
 * whitespace and formatting never count as drift.
 */
export async function repairCustomerStats(db: Db, log: (line: string) => void = console.log): Promise<'repaired' | 'intact'> {
  const { rows: applied } = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
  const versions = new Set(applied.map((r) => Number(r.version)));
  const defining = loadMigrations()
    .filter((m) => versions.has(m.version) && VIEW_STATEMENT.test(m.sql))
    .at(-1);
  if (!defining) return 'intact';
  const select = VIEW_STATEMENT.exec(defining.sql)![1]!;
  return db.transaction(async (tx) => {
    await tx.query(`CREATE TEMP VIEW customer_stats_expected AS ${select}`);
    const { rows } = await tx.query<{ live: string | null; expected: string }>(
      `SELECT (SELECT pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relname = 'customer_stats' AND n.nspname = 'public' AND c.relkind = 'v') AS live,
              pg_get_viewdef('customer_stats_expected'::regclass) AS expected`,
    );
    await tx.query('DROP VIEW customer_stats_expected');
    if (rows[0]!.live === rows[0]!.expected) return 'intact';
    // DROP first: CREATE OR REPLACE can't remove or retype columns a hand-made view may have.
    await tx.query('DROP VIEW IF EXISTS customer_stats');
    await tx.query(`CREATE VIEW customer_stats AS ${select}`);
    log(`customer_stats had drifted from migration ${String(defining.version).padStart(3, '0')}: recreated it.`);
    return 'repaired';
  });
}
