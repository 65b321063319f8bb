import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureSearch, fixtureUsers } from '@/app/lib/searches/roblox/fixture';
import { anonymous, assertErrorShape, server, superAdmin, tenant, type ApiClient } from '../support/api';
import { expectedProfile } from '../support/roblox-expect';

/**
 * Paid Roblox look-ups over real HTTP: POST /api/search, GET /api/search/history and GET /api/me on
 * the production server, whose live Roblox client talks to the fake Roblox (800 ms timeout, 2 retries).
 */

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

let n = 0;
/** A keyword nobody has sent to the fake Roblox yet (its request count starts at 0). */
const fresh = (prefix: string) => `${prefix}${process.pid.toString(36)}${Date.now().toString(36)}${(n++).toString(36)}`;

/** Requests the fake Roblox received for a keyword search, or (`profile`) for one user id. */
async function robloxRequests(query: string, type: 'keyword' | 'profile' = 'keyword'): Promise<number> {
  const param = type === 'profile' ? `id=${encodeURIComponent(query)}` : `keyword=${encodeURIComponent(query)}`;
  const res = await fetch(`${server().robloxUrl}/__requests?${param}`);
  return ((await res.json()) as { requests: number }).requests;
}

async function customerOf(customerId: number) {
  const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${customerId}`), 200);
  return customer as { creditBalance: number; totalCreditsUsed: number; totalCreditsPurchased: number; totalSearches: number };
}

async function balanceOf(customerId: number): Promise<number> {
  return (await customerOf(customerId)).creditBalance;
}

type Txn = { id: number; type: string; amount: number; balanceBefore: number; balanceAfter: number; description: string };

/** The customer's whole audit trail, oldest first. */
async function transactionsOf(customerId: number): Promise<Txn[]> {
  const page = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customerId}&order=asc&pageSize=100`), 200);
  expect(page.total).toBeLessThanOrEqual(100);
  return page.items;
}

/** Gap-free chain from 0, never negative, ending at the customer's balance. */
async function expectChain(customerId: number): Promise<Txn[]> {
  const rows = await transactionsOf(customerId);
  let previous = 0;
  for (const r of rows) {
    expect(r.balanceBefore, `transaction ${r.id} continues the chain`).toBe(previous);
    expect(r.balanceAfter).toBe(r.balanceBefore + r.amount);
    expect(r.balanceAfter).toBeGreaterThanOrEqual(0);
    previous = r.balanceAfter;
  }
  const c = await customerOf(customerId);
  expect(c.creditBalance).toBe(previous);
  expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(c.creditBalance);
  expect(c.creditBalance).toBe(c.totalCreditsPurchased - c.totalCreditsUsed);
  return rows;
}

async function historyTotal(client: ApiClient): Promise<number> {
  return (await client.expectJson(client.get('/api/search/history'), 200)).total;
}

const known = fixtureUsers[0]!;

/** A tenant with credits, its CUSTOMER_ADMIN and its USER. */
async function team(credits: number) {
  const t = await tenant(admin, { credits });
  const ca = await t.makeUser('CUSTOMER_ADMIN');
  const user = await t.makeUser('USER');
  return { ...t, ca, user };
}

describe('POST /api/search: answered look-ups', () => {
  it('a USER and a CUSTOMER_ADMIN search by keyword and open a profile; each costs 1 credit', async () => {
    const { customer, ca, user } = await team(5);
    const before = await customerOf(customer.id);

    const body = await user.client.expectJson(user.client.post('/api/search', { query: 'blox' }), 200);
    expect(body).toEqual({
      type: 'keyword',
      searchId: expect.any(Number),
      query: 'blox',
      results: fixtureSearch('blox', 10),
      creditsCharged: 1,
      balance: 4,
      // Other suites may have asked for "blox" within the cache window: charged either way.
      cached: expect.any(Boolean),
    });
    expect(body.results).toHaveLength(10);
    for (const r of body.results) expect(r).toEqual({ id: expect.any(Number), name: expect.any(String), displayName: expect.any(String), hasVerifiedBadge: expect.any(Boolean), previousUsernames: expect.any(Array) });

    const byAdmin = await ca.client.expectJson(ca.client.post('/api/search', { query: 'blox', type: 'keyword' }), 200);
    expect(byAdmin).toMatchObject({ type: 'keyword', creditsCharged: 1, balance: 3 });

    const profile = await user.client.expectJson(user.client.post('/api/search', { query: String(known.id), type: 'profile' }), 200);
    expect(profile).toEqual({
      type: 'profile',
      searchId: expect.any(Number),
      query: String(known.id),
      profile: expectedProfile(known.id),
      creditsCharged: 1,
      balance: 2,
      cached: expect.any(Boolean),
    });

    const after = await customerOf(customer.id);
    expect(after.creditBalance).toBe(2);
    expect(after.totalSearches).toBe(before.totalSearches + 3);
    expect(after.totalCreditsUsed).toBe(before.totalCreditsUsed + 3);
    const rows = await expectChain(customer.id);
    expect(rows.map((r) => [r.type, r.amount])).toEqual([
      ['admin_grant', 5],
      ['usage', -1],
      ['usage', -1],
      ['usage', -1],
    ]);
  });

  it('the look-up really goes to Roblox: the fake counts one request per answered keyword', async () => {
    const { user } = await team(1);
    const keyword = fresh('blox');
    expect(await robloxRequests(keyword)).toBe(0);
    const body = await user.client.expectJson(user.client.post('/api/search', { query: `  ${keyword}  ` }), 200);
    expect(body).toMatchObject({ query: keyword, results: [], balance: 0 });
    expect(await robloxRequests(keyword)).toBe(1);
  });
});

describe('GET /api/search/history and GET /api/me', () => {
  it("lists the customer's own look-ups, newest first; another tenant's customerId is a 403", async () => {
    const mine = await team(10);
    const other = await team(10);
    await mine.user.client.expectJson(mine.user.client.post('/api/search', { query: 'blox' }), 200);
    await mine.ca.client.expectJson(mine.ca.client.post('/api/search', { query: String(known.id), type: 'profile' }), 200);
    await mine.user.client.expectJson(mine.user.client.post('/api/search', { query: 'ab' }), 400);
    await other.user.client.expectJson(other.user.client.post('/api/search', { query: 'builder' }), 200);

    const page = await mine.user.client.expectJson(mine.user.client.get('/api/search/history'), 200);
    expect(page.total).toBe(3);
    expect(page.items.map((s: any) => [s.query, s.type, s.status, s.username])).toEqual([
      ['ab', 'keyword', 'rejected', mine.user.user.username],
      [String(known.id), 'profile', 'success', mine.ca.user.username],
      ['blox', 'keyword', 'success', mine.user.user.username],
    ]);
    expect(page.items[2]).toMatchObject({ resultCount: 10, creditsCharged: 1 });
    expect(page.items.some((s: any) => s.query === 'builder')).toBe(false);

    // The tenant admin sees the same; asking for the own customer explicitly is fine.
    expect((await mine.ca.client.expectJson(mine.ca.client.get('/api/search/history'), 200)).total).toBe(3);
    expect((await mine.user.client.expectJson(mine.user.client.get(`/api/search/history?customerId=${mine.customer.id}`), 200)).total).toBe(3);

    // Another tenant's look-ups: refused, whoever asks.
    for (const c of [mine.user.client, mine.ca.client]) {
      const res = await c.expectJson(c.get(`/api/search/history?customerId=${other.customer.id}`), 403);
      assertErrorShape(res);
    }
    // The platform admin sees any customer's.
    const platform = await admin.expectJson(admin.get(`/api/search/history?customerId=${other.customer.id}`), 200);
    expect(platform.items.map((s: any) => s.query)).toEqual(['builder']);

    await anonymous().expectJson(anonymous().get('/api/search/history'), 401);
    await mine.user.client.expectJson(mine.user.client.get('/api/search/history?customerId=abc'), 400);
  });

  it("GET /api/me shows the balance, the look-up cost and the customer's admins", async () => {
    const { customer, ca, user } = await team(7);
    const me = await user.client.expectJson(user.client.get('/api/me'), 200);
    expect(me).toEqual({
      user: { id: user.user.id, username: user.user.username, role: 'USER', customerId: customer.id, customerName: customer.name },
      balance: 7,
      searchCost: 1,
      prices: {
        keyword: { credits: 1, per: 'lookup', source: 'default' },
        profile: { credits: 1, per: 'lookup', source: 'default' },
        groups: { credits: 1, per: 'lookup', source: 'default' },
        usernames: { credits: 1, per: 'name', source: 'default' },
      },
      monthlyLimit: { limit: null, spent: 0, remaining: null, resetsAt: expect.stringMatching(/^\d{4}-\d\d-01T00:00:00\.000Z$/) },
      customerAdmins: [ca.user.username],
    });
    await user.client.expectJson(user.client.post('/api/search', { query: 'blox' }), 200);
    expect((await user.client.expectJson(user.client.get('/api/me'), 200)).balance).toBe(6);
    expect(JSON.stringify(me)).not.toMatch(/password/i);

    const platform = await admin.expectJson(admin.get('/api/me'), 200);
    expect(platform).toMatchObject({ balance: null, searchCost: 1, customerAdmins: [] });
    await anonymous().expectJson(anonymous().get('/api/me'), 401);
  });
});

describe('POST /api/search: what costs nothing', () => {
  it('balance 0 → 402 Insufficient credits, and Roblox is not asked', async () => {
    const { customer, user } = await team(0);
    const keyword = fresh('blox');
    const res = await user.client.expectJson(user.client.post('/api/search', { query: keyword }), 402);
    expect(res.error).toBe('Insufficient credits');
    expect(res.details).toMatch(/balance is 0/);
    expect(await robloxRequests(keyword)).toBe(0);
    expect(await balanceOf(customer.id)).toBe(0);
    expect(await transactionsOf(customer.id)).toEqual([]);
    expect(await historyTotal(user.client)).toBe(0);
    expect((await customerOf(customer.id)).totalSearches).toBe(0);
  });

  it.each([
    ['fail500', 3],
    ['ratelimited', 3],
    ['slow', 3],
    ['malformed', 1],
  ])("'%s…' → 502 Roblox is unavailable, refunded: balance unchanged, a refund in the audit trail", async (prefix, requests) => {
    const { customer, user } = await team(3);
    const before = await customerOf(customer.id);
    const keyword = fresh(prefix);
    const started = Date.now();
    const res = await user.client.expectJson(user.client.post('/api/search', { query: keyword }), 502);
    expect(res.error).toBe('Roblox is unavailable');
    expect(res.details).toMatch(/refund/i);
    expect(JSON.stringify(res)).not.toMatch(/\bat .*\.(js|ts):\d+/); // no stack trace
    // Retries are bounded: at most 3 attempts of 800 ms plus backoff.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(await robloxRequests(keyword)).toBe(requests);

    const after = await customerOf(customer.id);
    expect(after.creditBalance).toBe(3);
    expect(after.totalCreditsUsed).toBe(before.totalCreditsUsed);
    const rows = await expectChain(customer.id);
    expect(rows.slice(1).map((r) => [r.type, r.amount])).toEqual([
      ['usage', -1],
      ['refund', 1],
    ]);
    const history = await user.client.expectJson(user.client.get('/api/search/history'), 200);
    expect(history.items[0]).toMatchObject({ query: keyword, status: 'refunded' });
    // The customer's balance still buys a look-up afterwards.
    await user.client.expectJson(user.client.post('/api/search', { query: 'blox' }), 200);
  });

  it.each([
    ['ab', /too short/],
    ['freerobux', /filtered/],
  ])("keyword %j → 400, refunded: costs nothing", async (query, message) => {
    const { customer, user } = await team(2);
    const res = await user.client.expectJson(user.client.post('/api/search', { query }), 400);
    assertErrorShape(res);
    expect(res.error).toMatch(message);
    expect(JSON.stringify(res.details)).toMatch(/No credits were charged/);
    expect(await balanceOf(customer.id)).toBe(2);
    expect((await customerOf(customer.id)).totalCreditsUsed).toBe(0);
    const rows = await expectChain(customer.id);
    expect(rows.map((r) => r.type)).toEqual(['admin_grant', 'usage', 'refund']);
  });

  it('an unknown profile id → 404, refunded: costs nothing', async () => {
    const { customer, user } = await team(2);
    const res = await user.client.expectJson(user.client.post('/api/search', { query: '1', type: 'profile' }), 404);
    expect(res.error).toBe('Roblox user not found');
    expect(res.details).toMatch(/No credits were charged/);
    expect(await balanceOf(customer.id)).toBe(2);
    await expectChain(customer.id);
  });

  it('a profile id beyond JavaScript precision is refused or sent to Roblox exactly as typed, never as another id', async () => {
    const { customer, user } = await team(2);
    const typed = '9007199254740993'; // 2^53 + 1: Number() turns it into 9007199254740992
    const res = await user.client.post('/api/search', { query: typed, type: 'profile' });
    const body = await res.json();
    assertErrorShape(body);
    expect([400, 404]).toContain(res.status);
    const asked = async (id: string) =>
      ((await (await fetch(`${server().robloxUrl}/__requests?id=${id}`)).json()) as { requests: number }).requests;
    expect(await asked('9007199254740992'), `HTTP ${res.status} ${JSON.stringify(body)}`).toBe(0);
    if (res.status === 404) expect(await asked(typed)).toBe(1);
    expect(await balanceOf(customer.id)).toBe(2);
  });

  const longQuery = () => fresh('long').padEnd(51, 'x');
  const invalid: Array<[string, () => unknown, RegExp]> = [
    ['missing query', () => ({ type: 'keyword' }), /Query is required/],
    ['blank query', () => ({ query: '   ' }), /Query is required/],
    ['query as a number', () => ({ query: 123 }), /./],
    ["type 'x'", () => ({ query: fresh('blox'), type: 'x' }), /keyword, profile, groups or usernames/],
    ['profile with a non-numeric query', () => ({ query: fresh('blox'), type: 'profile' }), /numeric Roblox user ID/],
    ['profile id 0', () => ({ query: '0', type: 'profile' }), /numeric Roblox user ID/],
    ['51-character query', () => ({ query: longQuery() }), /at most 50/],
    ['unknown field', () => ({ query: fresh('blox'), limit: 100 }), /Unrecognized key/i],
    ['malformed JSON', () => '{"query": "blox"', /Malformed JSON/],
    ['empty body', () => '', /body is required/i],
    ['a JSON array', () => '["blox"]', /./],
  ];

  it.each(invalid)('invalid body (%s) → 400 { error, details }, no ledger change, Roblox not asked', async (_name, makeBody, message) => {
    const { customer, user } = await team(3);
    const body = makeBody();
    const res = await user.client.expectJson(user.client.post('/api/search', body), 400);
    assertErrorShape(res);
    expect(res.error).toMatch(message);
    if (body && typeof body === 'object' && typeof (body as { query?: unknown }).query === 'string') {
      const { query, type } = body as { query: string; type?: string };
      expect(await robloxRequests(query.trim(), type === 'profile' ? 'profile' : 'keyword')).toBe(0);
    }
    expect(await balanceOf(customer.id)).toBe(3);
    expect(await transactionsOf(customer.id)).toHaveLength(1);
    expect(await historyTotal(user.client)).toBe(0);
  });
});

describe('POST /api/search: who may search', () => {
  it('SUPER_ADMIN → 403 (look-ups belong to a customer)', async () => {
    const res = await admin.expectJson(admin.post('/api/search', { query: 'blox' }), 403);
    assertErrorShape(res);
    expect(res.error).toBe('Forbidden');
  });

  it('signed out → 401, a cross-site request → 403; neither is charged', async () => {
    const { customer, user } = await team(2);
    const res = await anonymous().expectJson(anonymous().post('/api/search', { query: 'blox' }), 401);
    assertErrorShape(res);
    const csrf = await user.client.expectJson(user.client.post('/api/search', { query: 'blox' }, { origin: 'https://evil.example' }), 403);
    assertErrorShape(csrf);
    expect(await balanceOf(customer.id)).toBe(2);
    expect(await historyTotal(user.client)).toBe(0);
  });

  it('a deactivated USER is refused at once and not charged', async () => {
    const { customer, user } = await team(2);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.user.id}`, { active: false }), 200);
    const res = await user.client.post('/api/search', { query: 'blox' });
    expect([401, 403]).toContain(res.status);
    expect(await balanceOf(customer.id)).toBe(2);
  });

  it("a deactivated customer's users are refused at once and not charged", async () => {
    const { customer, user } = await team(2);
    await user.client.expectJson(user.client.post('/api/search', { query: 'blox' }), 200);
    await admin.expectJson(admin.patch(`/api/admin/customers/${customer.id}`, { status: 'inactive' }), 200);
    const res = await user.client.post('/api/search', { query: 'blox' });
    expect([401, 403]).toContain(res.status);
    assertErrorShape(await res.json());
    expect(await balanceOf(customer.id)).toBe(1);
  });
});

describe('POST /api/search: concurrency', () => {
  it('balance 10, 50 concurrent look-ups by one USER: exactly 10 × 200 and 40 × 402, balance 0, chain gap-free', async () => {
    const { customer, user } = await team(10);
    const responses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await user.client.post('/api/search', { query: 'blox' });
        return { status: res.status, body: (await res.json()) as any };
      }),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 402)).toHaveLength(40);
    for (const r of responses) {
      if (r.status === 200) expect(r.body.balance).toBeGreaterThanOrEqual(0);
      else expect(r.body.error).toBe('Insufficient credits');
    }
    const c = await customerOf(customer.id);
    expect(c).toMatchObject({ creditBalance: 0, totalCreditsUsed: 10, totalSearches: 10 });
    const rows = await expectChain(customer.id);
    expect(rows.filter((r) => r.type === 'usage')).toHaveLength(10);
    expect(await historyTotal(user.client)).toBe(10);
  });
});
