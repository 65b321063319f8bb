import 'server-only';
import crypto from 'node:crypto';
import { config } from '../../config';
import type { Db } from '../../db';
import { postgresStore } from './postgres';
import { redisStore } from './redis';
import type { LookupStore } from './types';

export type { BucketShape, LookupStore, TokenGrant } from './types';
export { closeRedisClients } from './redis';

const namespaces = new WeakMap<Db, Promise<string>>();

/**
 * This deployment's name in a shared Redis: made once and kept in the database, so every instance
 * on one database agrees on it and another deployment (or a test's fresh database) never sees its keys.
 */
function namespaceOf(db: Db): Promise<string> {
  let ns = namespaces.get(db);
  if (!ns) {
    ns = (async () => {
      await db.query(`INSERT INTO app_settings (key, value) VALUES ('lookup_store_namespace', $1) ON CONFLICT (key) DO NOTHING`, [
        crypto.randomBytes(6).toString('hex'),
      ]);
      const { rows } = await db.query<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'lookup_store_namespace'`);
      return rows[0]!.value;
    })();
    ns.catch(() => namespaces.delete(db));
    namespaces.set(db, ns);
  }
  return ns;
}

/** Redis when REDIS_URL is set, else the database itself. */
export async function lookupStore(db: Db): Promise<LookupStore> {
  const url = config.redisUrl;
  return url ? redisStore(url, await namespaceOf(db)) : postgresStore(db);
}
