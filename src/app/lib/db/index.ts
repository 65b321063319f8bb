import 'server-only';
import { config } from '../config';
import { migrate, pendingMigrations } from './migrate';
import { openPglite, type PgliteDb } from './pglite';
import { readPgliteTemplate } from './pglite-template';
import { openPostgres } from './postgres';
import type { Db } from './types';

export type { Db, Queryable, QueryResult } from './types';

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise. */
export async function openDatabase(): Promise<Db> {
  const url = config.databaseUrl;
  if (url) return openPostgres(url, { readUrl: config.databaseReadUrl });
  return openPglite(config.pgliteDataDir, { template: readPgliteTemplate });
}

// The background jobs' own connections, apart from the requests': a burst of job work (every
// queue's first run at start, a bulk batch, webhook deliveries) never leaves a request waiting for
// a connection, and a request burst never starves the jobs.
const JOBS_POOL_SIZE = 3;

/**
 * The database handle the background jobs run on: on PostgreSQL a second, small pool of its own to
 * the same database (failover-aware like the first); the embedded database is one handle for all.
 */
export function openJobsDatabase(db: Db): Db {
  return db.kind === 'postgres' ? openPostgres(config.databaseUrl!, { max: JOBS_POOL_SIZE }) : db;
}

/** The server's database: with PGLITE_SOCKET_PORT, the embedded one is also served to psql. */
async function openServerDatabase(): Promise<Db> {
  const db = await openDatabase();
  const port = config.pgliteSocketPort;
  if (port !== undefined && db.kind === 'pglite') {
    await (db as PgliteDb).listen(port);
    console.log(`[db] embedded database served on postgres://postgres@127.0.0.1:${port}/postgres (npm run db:psql)`);
  }
  return db;
}

/**
 * Applies pending migrations as the tables' owner: MIGRATION_DATABASE_URL when set (the app itself
 * then runs as a role that may change data but not the schema), else the app's own connection.
 * With nothing pending, nothing is locked or created, so that role needs no DDL privilege at start.
 */
async function migrateIfNeeded(db: Db): Promise<void> {
  if ((await pendingMigrations(db)).length === 0) return;
  const ownerUrl = db.kind === 'postgres' ? config.migrationDatabaseUrl : undefined;
  const owner = ownerUrl && ownerUrl !== config.databaseUrl ? openPostgres(ownerUrl, { max: 1 }) : db;
  try {
    await migrate(owner, { log: (line) => console.log(`[db] ${line}`) });
  } finally {
    if (owner !== db) await owner.close();
  }
}

// One database per process, shared by every bundle Next builds (route handlers, instrumentation).
const KEY = Symbol.for('roblox-tool.db');
type Holder = { [KEY]?: Promise<Db> };

/** The process's database, opened and migrated on first use. */
export function getDb(): Promise<Db> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    holder[KEY] = (async () => {
      const db = await openServerDatabase();
      try {
        await migrateIfNeeded(db);
      } catch (err) {
        await db.close();
        throw err;
      }
      return db;
    })();
    holder[KEY].catch(() => {
      delete holder[KEY]; // let the next request retry instead of failing forever
    });
  }
  return holder[KEY];
}
