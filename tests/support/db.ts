import crypto from 'node:crypto';
import pg from 'pg';
import { openPglite } from '@/app/lib/db/pglite';
import { readPgliteTemplate } from '@/app/lib/db/pglite-template';
import { openPostgres } from '@/app/lib/db/postgres';
import { migrate } from '@/app/lib/db/migrate';
import type { Db } from '@/app/lib/db/types';
import { assertLocalDatabase, TEST_DATABASE_URL } from './env';

export interface TestDatabase {
  db: Db;
  /** Connection string of the throw-away PostgreSQL database (undefined on PGlite). */
  url?: string;
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty PostgreSQL database on the TEST_DATABASE_URL server. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  assertLocalDatabase(TEST_DATABASE_URL!);
  const name = `rt_test_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** The test databases now open: tests/support/invariants-setup.ts checks the ledger of each after every test. */
export const openTestDatabases = new Set<TestDatabase>();

/**
 * A database of its own for one test file: a new PostgreSQL database when TEST_DATABASE_URL is
 * set, in-memory PGlite otherwise. Migrated to the latest version unless `to` says otherwise.
 */
export async function createTestDb(opts: { migrateTo?: number | 'none' } = {}): Promise<TestDatabase> {
  let db: Db;
  let url: string | undefined;
  let dropDb = async () => {};
  if (TEST_DATABASE_URL) {
    const created = await createPostgresDatabase();
    url = created.url;
    dropDb = created.drop;
    db = openPostgres(url, { max: 20 });
  } else {
    // A fully migrated database starts from the build's template when there is one (much faster).
    db = await openPglite(undefined, { template: opts.migrateTo === undefined ? readPgliteTemplate : undefined });
  }
  if (opts.migrateTo !== 'none') await migrate(db, { to: opts.migrateTo });
  const t: TestDatabase = {
    db,
    url,
    async drop() {
      openTestDatabases.delete(t);
      await db.close();
      await dropDb();
    },
  };
  openTestDatabases.add(t);
  return t;
}

let counter = 0;
/** A name no other test (or earlier run on a shared database) has used. */
export function unique(prefix: string): string {
  return `${prefix}_${process.pid.toString(36)}${Date.now().toString(36)}${(counter++).toString(36)}`;
}
