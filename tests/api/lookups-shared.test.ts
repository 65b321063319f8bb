import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureUsers } from '@/app/lib/searches/roblox/fixture';
import { onPostgres } from '../support/env';
import { robloxCount, startCluster, TEST_REDIS_URL, type Cluster } from '../support/lookup-cluster';

/**
 * What app instances share about Roblox, over real HTTP: the cache (one Roblox call for many
 * identical look-ups), the monthly limit under concurrency, the token bucket per Roblox host, and
 * the pause a 429 from Roblox asks for. On PostgreSQL with two instances on one database; on
 * PGlite with one. With TEST_REDIS_URL, once more with the cache and buckets in Redis.
 */

const stores = [{ store: 'database', env: {} as Record<string, string> }];
if (TEST_REDIS_URL) stores.push({ store: 'Redis', env: { REDIS_URL: TEST_REDIS_URL } });

let n = 0;
const fresh = (prefix: string) => `${prefix}${process.pid.toString(36)}${Date.now().toString(36)}${(n++).toString(36)}`;
const instances = onPostgres ? 'two instances' : 'one instance (PGlite)';

describe.each(stores)('shared state in the $store', ({ env }) => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ ...env, ROBLOX_RATE_LIMIT_PER_MINUTE: '5', ROBLOX_CACHE_SECONDS: '300' });
  }, 180_000);
  afterAll(async () => {
    await c?.stop();
  });

  async function post(client: { post: (p: string, b: unknown) => Promise<Response> }, body: unknown) {
    const res = await client.post('/api/search', body);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  }

  it(`30 identical look-ups at once across ${instances}: one Roblox call, every one answered and charged`, async () => {
    const t = await c.tenant(100);
    const keyword = fresh('blox');
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => post(t.clients[i % t.clients.length]!, { query: keyword })));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(await robloxCount(c.roblox, `keyword=${keyword}`)).toBe(1);
    expect(answers.filter((a) => a.body.cached === false)).toHaveLength(1);
    for (const a of answers) expect(a.body.creditsCharged).toBe(1);
    const history = await t.clients[0]!.get('/api/search/history?pageSize=100').then((r) => r.json());
    expect(history.total).toBe(30);
    expect(history.items.filter((s: { cached: boolean }) => s.cached)).toHaveLength(29);
    const me = await t.clients[0]!.get('/api/me').then((r) => r.json());
    expect(me.balance).toBe(70);
  });

  it(`monthly limit across ${instances}: 50 concurrent look-ups with 10 credits of allowance spend exactly 10`, async () => {
    const t = await c.tenant(1_000, { monthlyCreditLimit: 10 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(t.clients[i % t.clients.length]!, { query: 'blox' })));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 402);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r.body).toMatchObject({ error: 'Monthly limit reached', code: 'monthly_limit_reached' });
    const { user } = await c.admin.get(`/api/admin/users/${t.userId}`).then((r) => r.json());
    expect(user).toMatchObject({ monthlyCreditLimit: 10, spentThisMonth: 10 });
    const me = await t.clients[0]!.get('/api/me').then((r) => r.json());
    expect(me).toMatchObject({ balance: 990, monthlyLimit: { limit: 10, spent: 10, remaining: 0 } });
    const usage = await t.clients[0]!.get('/api/search/usage?groupBy=user').then((r) => r.json());
    expect(usage.items).toEqual([expect.objectContaining({ userId: t.userId, lookups: 10, credits: 10 })]);
  });

  it('the token bucket per Roblox host: past 5 a minute, 503 with Retry-After, nothing charged, Roblox not asked', async () => {
    const t = await c.tenant(100);
    const ids = fixtureUsers.slice(40, 50).map((u) => String(u.id));
    const answers = [];
    for (const [i, id] of ids.entries()) answers.push(await post(t.clients[i % t.clients.length]!, { query: id, type: 'groups' }));
    const ok = answers.filter((a) => a.status === 200).length;
    // 5 tokens, and at most one more refilled while these ran (one every 12 s).
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(6);
    const limited = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503).map((a) => JSON.stringify(a.body))).toEqual([]);
    expect(limited.length).toBe(ids.length - ok);
    for (const [i, a] of answers.entries()) {
      if (a.status !== 503) continue;
      expect(a.body).toMatchObject({ error: 'Roblox rate limit reached', code: 'unavailable' });
      expect(a.body.details).toMatch(/No credits were charged/);
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(await robloxCount(c.roblox, `path=/v2/users/${ids[i]}/groups/roles`)).toBe(0);
    }
    const me = await t.clients[0]!.get('/api/me').then((r) => r.json());
    expect(me.balance).toBe(100 - ok);
    const history = await t.clients[0]!.get('/api/search/history').then((r) => r.json());
    expect(history.total).toBe(ok);
  });

  it(`a 429 from Roblox (Retry-After: 30) pauses that host for every instance`, async () => {
    const t = await c.tenant(10);
    const paused = await post(t.clients[0]!, { query: fresh('backoff') });
    expect(paused.status).toBe(503);
    expect(paused.body.error).toBe('Roblox rate limit reached');
    expect(paused.body.details).toMatch(/Your 1 credit was refunded/);
    const next = fresh('blox');
    const other = await post(t.clients[t.clients.length - 1]!, { query: next });
    expect(other.status).toBe(503);
    expect(Number(other.retryAfter)).toBeGreaterThan(20);
    expect(other.body.details).toMatch(/No credits were charged/);
    expect(await robloxCount(c.roblox, `keyword=${next}`)).toBe(0);
    const me = await t.clients[0]!.get('/api/me').then((r) => r.json());
    expect(me.balance).toBe(10);
  });
});

describe('prices on a server of its own (the platform list is global)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ ROBLOX_RATE_LIMIT_PER_MINUTE: '100000', SEARCH_CREDIT_COST: '2' });
  }, 180_000);
  afterAll(async () => {
    await c?.stop();
  });

  const put = (path: string, body: unknown) => c.admin.request('PUT', path, body).then(async (r) => ({ status: r.status, body: await r.json() }));

  it('SEARCH_CREDIT_COST is the default of every type; PUT /api/admin/prices and a customer override change what is charged and shown', async () => {
    const t = await c.tenant(100);
    const before = await c.admin.get('/api/admin/prices').then((r) => r.json());
    expect(before.prices.groups).toEqual({ credits: 2, per: 'lookup', source: 'default' });
    const set = await put('/api/admin/prices', { prices: { keyword: 3, usernames: 1 } });
    expect(set.status).toBe(200);
    expect(set.body.prices).toMatchObject({ keyword: { credits: 3, source: 'platform' }, profile: { credits: 2, source: 'default' } });
    const override = await put(`/api/admin/customers/${t.customerId}/prices`, { prices: { profile: 5 } });
    expect(override.body.prices.profile).toEqual({ credits: 5, per: 'lookup', source: 'customer' });
    const me = await t.clients[0]!.get('/api/me').then((r) => r.json());
    expect(me.searchCost).toBe(3);
    expect(me.prices).toMatchObject({ keyword: { credits: 3 }, profile: { credits: 5 }, groups: { credits: 2 }, usernames: { credits: 1, per: 'name' } });
    expect((await t.clients[0]!.post('/api/search', { query: 'blox' }).then((r) => r.json())).creditsCharged).toBe(3);
    expect((await t.clients[0]!.post('/api/search', { query: String(fixtureUsers[0]!.id), type: 'profile' }).then((r) => r.json())).creditsCharged).toBe(5);
    for (const bad of [{ prices: { keyword: -1 } }, { prices: { keyword: 1.5 } }, { prices: { teleport: 1 } }, { prices: [] }, {}]) {
      const res = await put('/api/admin/prices', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'details', 'error']);
    }
    expect((await put('/api/admin/customers/999999/prices', { prices: {} })).status).toBe(404);
    expect((await c.admin.get('/api/admin/prices').then((r) => r.json())).prices.keyword.credits).toBe(3);
  });

  it('a price changed while look-ups are in flight: each is charged the price it started with', async () => {
    const t = await c.tenant(100);
    await put(`/api/admin/customers/${t.customerId}/prices`, { prices: { keyword: 4 } });
    // "flaky…" keywords take two failed attempts and their backoffs before Roblox answers.
    const inFlight = Array.from({ length: 4 }, (_, i) => t.clients[i % t.clients.length]!.post('/api/search', { query: fresh('flaky') }).then((r) => r.json()));
    for (let i = 0; i < 100; i++) {
      const h = await t.clients[0]!.get('/api/search/history').then((r) => r.json());
      if (h.items.filter((s: { status: string }) => s.status === 'pending').length === 4) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await put(`/api/admin/customers/${t.customerId}/prices`, { prices: { keyword: 9 } });
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.creditsCharged)).toEqual([4, 4, 4, 4]);
    expect((await t.clients[0]!.post('/api/search', { query: fresh('blox') }).then((r) => r.json())).creditsCharged).toBe(9);
    const me = await t.clients[0]!.get('/api/me').then((r) => r.json());
    expect(me.balance).toBe(100 - 16 - 9);
  });
});
