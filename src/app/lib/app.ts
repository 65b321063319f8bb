import 'server-only';
import { ensureBootstrapAdmin } from './auth/bootstrap';
import { secretsOf } from './auth/keys';
import { resolveSessionSecret } from './auth/secret';
import { resealTwoFactorSecrets } from './auth/two-factor';
import { getDb, type Db } from './db';

export interface App {
  db: Db;
  sessionSecret: string;
}

const KEY = Symbol.for('roblox-tool.app');
type Holder = { [KEY]?: Promise<App> };

/**
 * The process's ready state: database open and migrated, bootstrap admin in place, session secret
 * known (stored TOTP secrets re-encrypted under it, during a rotation). Runs once per process (at
 * server start, from instrumentation) and is awaited by every request.
 */
export function app(): Promise<App> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    holder[KEY] = (async () => {
      const db = await getDb();
      await ensureBootstrapAdmin(db);
      const sessionSecret = await resolveSessionSecret(db);
      const resealed = await resealTwoFactorSecrets(db, secretsOf(sessionSecret));
      if (resealed > 0) console.log(`[auth] re-encrypted ${resealed} two-factor secret(s) under the current NEXTAUTH_SECRET`);
      return { db, sessionSecret };
    })();
    holder[KEY].catch(() => {
      delete holder[KEY];
    });
  }
  return holder[KEY];
}
