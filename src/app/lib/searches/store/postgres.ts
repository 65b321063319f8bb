import 'server-only';
import type { Db } from '../../db';
import type { LookupStore, TokenGrant } from './types';

class NoTokens extends Error {
  constructor(readonly host: string) {
    super('no tokens');
  }
}

// Tokens a bucket holds at this statement's time: what was left, plus the refill since.
const REFILLED = (b: string) =>
  `LEAST($2::float8, ${b}.tokens + EXTRACT(EPOCH FROM statement_timestamp() - ${b}.refilled_at) * $2::float8 / 60.0)`;

/** The shared state in the app's own database (UNLOGGED tables of migration 033). */
export function postgresStore(db: Db): LookupStore {
  let puts = 0;
  return {
    kind: 'postgres',
    async getCached(key) {
      const { rows } = await db.query<{ value: unknown }>('SELECT value FROM roblox_cache WHERE key = $1 AND expires_at > now()', [key]);
      return rows[0]?.value;
    },
    async putCached(key, value, ttlSeconds) {
      await db.query(
        `INSERT INTO roblox_cache (key, value, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
        [key, JSON.stringify(value), ttlSeconds],
      );
      // Expired entries are swept now and then by whoever writes, so the table stays the size of the window.
      if (++puts % 100 === 0) await db.query('DELETE FROM roblox_cache WHERE expires_at < now()');
    },
    async acquireLease(key, holder, ms) {
      const { rowCount } = await db.query(
        `INSERT INTO roblox_cache_leases AS l (key, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3 / 1000.0))
         ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at WHERE l.expires_at <= now()
         RETURNING holder`,
        [key, holder, ms],
      );
      return rowCount > 0;
    },
    async leaseHeld(key) {
      const { rowCount } = await db.query('SELECT 1 FROM roblox_cache_leases WHERE key = $1 AND expires_at > now()', [key]);
      return rowCount > 0;
    },
    async releaseLease(key, holder) {
      await db.query('DELETE FROM roblox_cache_leases WHERE key = $1 AND holder = $2', [key, holder]);
    },
    async takeTokens(want, bucket): Promise<TokenGrant> {
      // Hosts in a fixed order, so two look-ups needing the same hosts can't deadlock.
      const hosts = Object.keys(want).filter((h) => want[h]! > 0).sort();
      try {
        await db.transaction(async (tx) => {
          for (const host of hosts) {
            const { rowCount } = await tx.query(
              `INSERT INTO roblox_rate_buckets AS b (host, tokens, refilled_at)
               SELECT $1, $2::float8 - $3, statement_timestamp() WHERE $3 <= $2::float8
               ON CONFLICT (host) DO UPDATE SET tokens = ${REFILLED('b')} - $3, refilled_at = statement_timestamp()
                WHERE (b.paused_until IS NULL OR b.paused_until <= statement_timestamp()) AND ${REFILLED('b')} >= $3
               RETURNING tokens`,
              [host, bucket.perMinute, want[host]],
            );
            if (rowCount === 0) throw new NoTokens(host);
          }
        });
        return { ok: true };
      } catch (err) {
        if (!(err instanceof NoTokens)) throw err;
        const { rows } = await db.query<{ wait: number }>(
          `SELECT GREATEST(COALESCE(EXTRACT(EPOCH FROM b.paused_until - statement_timestamp()), 0),
                           ($3 - ${REFILLED('b')}) * 60.0 / $2::float8, 1)::float8 AS wait
             FROM roblox_rate_buckets b WHERE b.host = $1`,
          [err.host, bucket.perMinute, want[err.host]],
        );
        return { ok: false, host: err.host, retryAfterSeconds: Math.ceil(rows[0]?.wait ?? 60) };
      }
    },
    async returnTokens(host, n, bucket) {
      if (n <= 0) return;
      await db.query('UPDATE roblox_rate_buckets SET tokens = LEAST($3::float8, tokens + $2) WHERE host = $1', [host, n, bucket.perMinute]);
    },
    async pauseHost(host, seconds, bucket) {
      if (seconds <= 0) return;
      await db.query(
        `INSERT INTO roblox_rate_buckets AS b (host, tokens, refilled_at, paused_until)
         VALUES ($1, $2::float8, statement_timestamp(), statement_timestamp() + make_interval(secs => $3))
         ON CONFLICT (host) DO UPDATE SET paused_until = GREATEST(b.paused_until, EXCLUDED.paused_until)`,
        [host, bucket.perMinute, seconds],
      );
    },
  };
}
