import crypto from 'node:crypto';
import { migrate } from '@/app/lib/db/migrate';
import { openPostgres } from '@/app/lib/db/postgres';
import { ApiClient } from '../tests/support/http-client';
import { fakeRobloxEnv, startFakeRoblox } from '../tests/support/fake-roblox';
import { createBenchDatabase } from './pg';
import { startBenchServer } from './server';
import { percentile, round } from './stats';

/**
 * The shared look-up cache: N look-ups sent at once, in C concurrent streams, to two app instances
 * on one PostgreSQL database whose live Roblox client talks to the local fake Roblox. Reports how
 * many were answered from the cache and how many by (fake) Roblox, and how many requests Roblox
 * received: identical look-ups (goal: 1 request), and the same number spread over distinct ones.
 * With `redisUrl`, the cache and rate limits live in Redis instead.
 */

export interface CacheScenario {
  name: string;
  lookups: number;
  distinctQueries: number;
  instances: number;
  store: 'database' | 'redis';
  /** Requests the fake Roblox received for these look-ups. */
  upstreamRequests: number;
  fromCache: number;
  fromUpstream: number;
  failed: number;
  creditsCharged: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runLookupCache(opts: { lookups: number; concurrency: number; redisUrl?: string; log: (l: string) => void }): Promise<CacheScenario[]> {
  const roblox = await startFakeRoblox({ slowMs: 3_000 });
  const bdb = await createBenchDatabase('cache');
  const out: CacheScenario[] = [];
  const servers: Awaited<ReturnType<typeof startBenchServer>>[] = [];
  try {
    const db = openPostgres(bdb.url, { max: 2 });
    await migrate(db);
    await db.close();
    const env = {
      DATABASE_URL: bdb.url,
      ...fakeRobloxEnv(roblox),
      NEXTAUTH_SECRET: crypto.randomBytes(32).toString('base64url'),
      ROBLOX_CACHE_SECONDS: '300',
      // The bucket is not what is measured here: let every call through.
      ROBLOX_RATE_LIMIT_PER_MINUTE: '1000000',
      ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    };
    servers.push(await startBenchServer(env));
    servers.push(await startBenchServer({ ...env, ADMIN_PASSWORD: servers[0]!.adminPassword }));
    const admin = new ApiClient(servers[0]!.baseUrl);
    await admin.signIn(servers[0]!.adminUsername, servers[0]!.adminPassword);
    const json = async (res: Promise<Response>) => {
      const r = await res;
      if (!r.ok) throw new Error(`bench setup: HTTP ${r.status} ${await r.text()}`);
      return r.json();
    };
    const { customer } = await json(admin.post('/api/admin/customers', { name: 'Cache bench', maxUsers: 10 }));
    for (let i = 0; i < Math.ceil((opts.lookups * 2) / 10_000); i++) {
      await json(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 10_000, description: 'bench: look-up credits' }));
    }
    await json(admin.post('/api/admin/users', { username: 'cache-bench', password: 'cache bench password', role: 'USER', customerId: customer.id }));
    const user = new ApiClient(servers[0]!.baseUrl);
    await user.signIn('cache-bench', 'cache bench password');
    const clients = servers.map((s) => new ApiClient(s.baseUrl, `next-auth.session-token=${user.sessionToken}`));
    const store = opts.redisUrl ? 'redis' : 'database';

    for (const distinct of [1, Math.max(1, Math.floor(opts.lookups / 10))]) {
      const stamp = Date.now().toString(36);
      const queries = Array.from({ length: distinct }, (_, i) => `blox${stamp}q${i}`);
      const before = await robloxTotal(roblox.url);
      const latencies: number[] = [];
      let fromCache = 0;
      let fromUpstream = 0;
      let failed = 0;
      let credits = 0;
      let next = 0;
      const started = Date.now();
      const worker = async () => {
        while (next < opts.lookups) {
          const i = next++;
          const t = performance.now();
          const res = await clients[i % clients.length]!.post('/api/search', { query: queries[i % distinct] });
          const body = (await res.json()) as { cached?: boolean; creditsCharged?: number };
          latencies.push(performance.now() - t);
          if (res.status !== 200) failed++;
          else {
            if (body.cached) fromCache++;
            else fromUpstream++;
            credits += body.creditsCharged ?? 0;
          }
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, worker));
      const seconds = (Date.now() - started) / 1000;
      const upstreamRequests = (await robloxTotal(roblox.url)) - before;
      const scenario: CacheScenario = {
        name: distinct === 1 ? `${opts.lookups} identical look-ups` : `${opts.lookups} look-ups over ${distinct} distinct keywords`,
        lookups: opts.lookups,
        distinctQueries: distinct,
        instances: servers.length,
        store,
        upstreamRequests,
        fromCache,
        fromUpstream,
        failed,
        creditsCharged: credits,
        seconds: round(seconds, 2),
        perSecond: Math.round(opts.lookups / seconds),
        p50Ms: round(percentile(latencies, 50), 1),
        p99Ms: round(percentile(latencies, 99), 1),
      };
      opts.log(
        `look-up cache (${store}, ${servers.length} instances): ${scenario.name}: ${fromCache} from the cache, ${fromUpstream} from Roblox, ` +
          `${failed} failed; Roblox received ${upstreamRequests} request(s); ${scenario.perSecond}/s, p99 ${scenario.p99Ms} ms`,
      );
      if (failed > 0) throw new Error(`look-up cache bench: ${failed} look-ups failed`);
      out.push(scenario);
    }
  } finally {
    for (const s of servers.slice(1)) await s.stop();
    await servers[0]?.stop();
    await roblox.close();
    await bdb.drop();
  }
  return out;
}

async function robloxTotal(url: string): Promise<number> {
  return ((await (await fetch(`${url}/__requests?all`)).json()) as { requests: number }).requests;
}
