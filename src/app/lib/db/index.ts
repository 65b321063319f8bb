import 'server-only';
import { config } from '../config';
import { migrate } from './migrate';
import { openPglite, type PgliteDb } from './pglite';
import { readPgliteTemplate } from './pglite-template';
import { openPostgres } from './postgres';
import type { Db } from './types';

export type { Db, Queryable, QueryResult } from './types';

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise. */
export async function openDatabase(): Promise<Db> {
  const url = config.databaseUrl;
  if (url) return openPostgres(url);
  return openPglite(config.pgliteDataDir, { template: readPgliteTemplate });
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

// One database per process, shared by every bundle Next builds (route handlers, instrumentation).
const KEY = Symbol.for('roblox-tool.db');
type Holder = { [KEY]?: Promise<Db> };

/** The process's database, opened and migrated on first use. */
export function getDb(): Promise<Db> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    holder[KEY] = (async () => {
      const db = await openServerDatabase();
      await migrate(db, { log: (line) => console.log(`[db] ${line}`) });
      return db;
    })();
    holder[KEY].catch(() => {
      delete holder[KEY]; // let the next request retry instead of failing forever
    });
  }
  return holder[KEY];
}
