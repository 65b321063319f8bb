import 'server-only';
import Redis from 'ioredis';
import type { BucketShape, LookupStore, TokenGrant } from './types';

// Each script reads Redis's own clock (TIME), so instances with skewed clocks still share one bucket.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: buckets; ARGV[1]: tokens per minute; ARGV[1 + i]: tokens wanted from KEYS[i]. All or none. */
const TAKE = `${NOW}
local cap = tonumber(ARGV[1]) local rate = cap / 60000 local left = {}
for i, key in ipairs(KEYS) do
  local b = redis.call('HMGET', key, 'tokens', 'at', 'paused')
  local tokens = math.min(cap, (tonumber(b[1]) or cap) + (now - (tonumber(b[2]) or now)) * rate)
  local paused = tonumber(b[3]) or 0
  local n = tonumber(ARGV[i + 1])
  if paused > now then return {i, paused - now} end
  if tokens < n then return {i, math.ceil((n - tokens) / rate)} end
  left[i] = tokens - n
end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'tokens', tostring(left[i]), 'at', now)
  redis.call('PEXPIRE', key, math.max(redis.call('PTTL', key), 3600000))
end
return {0, 0}`;

/** KEYS[1]: bucket; ARGV: seconds, tokens per minute. */
const PAUSE = `${NOW}
local till = now + tonumber(ARGV[1]) * 1000
if (tonumber(redis.call('HGET', KEYS[1], 'paused')) or 0) < till then redis.call('HSET', KEYS[1], 'paused', till) end
if redis.call('HEXISTS', KEYS[1], 'tokens') == 0 then redis.call('HSET', KEYS[1], 'tokens', ARGV[2], 'at', now) end
redis.call('PEXPIRE', KEYS[1], math.max(redis.call('PTTL', KEYS[1]), till - now + 3600000))
return 1`;

/** KEYS[1]: bucket; ARGV: tokens, tokens per minute. */
const GIVE_BACK = `local t = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
if t then redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tonumber(ARGV[2]), t + tonumber(ARGV[1])))) end
return 1`;

/** KEYS[1]: lease; ARGV[1]: holder. Deletes the lease only if it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const clients = new Map<string, Redis>();

function client(url: string): Redis {
  let c = clients.get(url);
  if (!c) {
    // A request fails fast while Redis is away (no queue of commands piling up); ioredis reconnects.
    c = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: true });
    let lastLog = 0;
    c.on('error', (err: Error) => {
      if (Date.now() - lastLog > 10_000) console.error(`[lookups] Redis: ${err.message}`);
      lastLog = Date.now();
    });
    clients.set(url, c);
  }
  return c;
}

/** The shared state in Redis (REDIS_URL), under `rt:<namespace>:` so deployments sharing a Redis stay apart. */
export function redisStore(url: string, namespace: string): LookupStore {
  const r = client(url);
  const k = (kind: string, key: string) => `rt:${namespace}:${kind}:${key}`;
  return {
    kind: 'redis',
    async getCached(key) {
      const raw = await r.get(k('cache', key));
      return raw === null ? undefined : (JSON.parse(raw) as unknown);
    },
    async putCached(key, value, ttlSeconds) {
      await r.set(k('cache', key), JSON.stringify(value), 'EX', ttlSeconds);
    },
    async acquireLease(key, holder, ms) {
      return (await r.set(k('lease', key), holder, 'PX', ms, 'NX')) === 'OK';
    },
    async leaseHeld(key) {
      return (await r.exists(k('lease', key))) === 1;
    },
    async releaseLease(key, holder) {
      await r.eval(RELEASE, 1, k('lease', key), holder);
    },
    async takeTokens(want, bucket: BucketShape): Promise<TokenGrant> {
      const hosts = Object.keys(want).filter((h) => want[h]! > 0);
      if (hosts.length === 0) return { ok: true };
      const [index, waitMs] = (await r.eval(TAKE, hosts.length, ...hosts.map((h) => k('bucket', h)), bucket.perMinute, ...hosts.map((h) => want[h]!))) as [
        number,
        number,
      ];
      return index === 0 ? { ok: true } : { ok: false, host: hosts[index - 1]!, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
    async returnTokens(host, n, bucket) {
      if (n > 0) await r.eval(GIVE_BACK, 1, k('bucket', host), n, bucket.perMinute);
    },
    async pauseHost(host, seconds, bucket) {
      if (seconds > 0) await r.eval(PAUSE, 1, k('bucket', host), seconds, bucket.perMinute);
    },
  };
}

/** Closes the Redis connections (tests and scripts that end their process cleanly). */
export async function closeRedisClients(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.quit().catch(() => undefined)));
  clients.clear();
}
