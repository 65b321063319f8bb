import 'server-only';
import { ensureBootstrapAdmin } from './auth/bootstrap';
import { resolveSessionSecret } from './auth/secret';
import { getDb, type Db } from './db';

export interface App {
  db: Db;
  sessionSecret: string;
}

const KEY = Symbol.for('roblox-tool.app');
type Holder = { [KEY]?: Promise<App> };

/**
 * The process's ready state: database open and migrated, bootstrap admin in place, session secret
 * known. Runs once per process (at server start, from instrumentation) and is awaited by every request.
 */
export function app(): Promise<App> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    holder[KEY] = (async () => {
      const db = await getDb();
      await ensureBootstrapAdmin(db);
      return { db, sessionSecret: await resolveSessionSecret(db) };
    })();
    holder[KEY].catch(() => {
      delete holder[KEY];
    });
  }
  return holder[KEY];
}
