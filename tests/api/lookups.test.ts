import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureUsers } from '@/app/lib/searches/roblox/fixture';
import { assertExactErrorShape, server, superAdmin, tenant, type ApiClient } from '../support/api';
import { faultyUserId } from '../support/fake-roblox';
import { expectedGroups, expectedProfile } from '../support/roblox-expect';

/**
 * Look-ups v2 over real HTTP on the shared test server: each type's answer, bad input of every
 * type (400, nothing charged, Roblox not asked), each Roblox host failing (refunded, said so),
 * Idempotency-Key on POST /api/search, and the monthly limit set through PATCH /api/admin/users.
 */

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

let n = 0;
// Fault ids take a nonce below 80,000,000 (tests/support/fake-roblox.ts).
const nonce = () => (Date.now() % 1_000_000) * 10 + (n++ % 10);
const fresh = (prefix: string) => `${prefix}${process.pid.toString(36)}${Date.now().toString(36)}${(n++).toString(36)}`;

async function team(credits: number) {
  const t = await tenant(admin, { credits });
  const ca = await t.makeUser('CUSTOMER_ADMIN');
  const user = await t.makeUser('USER');
  return { ...t, ca, user };
}

async function balance(customerId: number): Promise<number> {
  return (await admin.expectJson(admin.get(`/api/admin/customers/${customerId}`), 200)).customer.creditBalance;
}
async function ledger(customerId: number): Promise<Array<[string, number]>> {
  const page = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customerId}&order=asc&pageSize=100`), 200);
  return page.items.map((r: { type: string; amount: number }) => [r.type, r.amount]);
}
async function robloxRequests(q: string): Promise<number> {
  return ((await (await fetch(`${server().robloxUrl}/__requests?${q}`)).json()) as { requests: number }).requests;
}

describe('each look-up type', () => {
  it('profile (headshot, counts, history), groups (roles and ranks), usernames (ids, unresolved not charged)', async () => {
    const { customer, user } = await team(20);
    const c = user.client;
    const withHistory = fixtureUsers.find((u) => u.previousUsernames.length > 0)!;
    const profile = await c.expectJson(c.post('/api/search', { query: String(withHistory.id), type: 'profile' }), 200);
    expect(profile).toMatchObject({ type: 'profile', profile: expectedProfile(withHistory.id), creditsCharged: 1 });

    const member = fixtureUsers.find((u) => expectedGroups(u.id).length >= 2)!;
    const groups = await c.expectJson(c.post('/api/search', { query: String(member.id), type: 'groups' }), 200);
    expect(groups).toMatchObject({ type: 'groups', userId: member.id, groups: expectedGroups(member.id), creditsCharged: 1 });

    const names = [fixtureUsers[5]!.name, fresh('Nobody'), fixtureUsers[6]!.name.toLowerCase()];
    const resolved = await c.expectJson(c.post('/api/search', { query: names.join(',\n'), type: 'usernames' }), 200);
    expect(resolved).toMatchObject({ type: 'usernames', creditsCharged: 2, unresolved: [names[1]] });
    expect(resolved.users.map((u: { requestedUsername: string; id: number }) => [u.requestedUsername, u.id])).toEqual([
      [names[0], fixtureUsers[5]!.id],
      [names[2], fixtureUsers[6]!.id],
    ]);
    expect(await balance(customer.id)).toBe(20 - 1 - 1 - 2);
    const history = await c.expectJson(c.get('/api/search/history?type=usernames'), 200);
    expect(history.items.map((s: { type: string; resultCount: number; creditsCharged: number }) => [s.type, s.resultCount, s.creditsCharged])).toEqual([
      ['usernames', 2, 2],
    ]);
  });

  it('the history filters by type and by user', async () => {
    const { ca, user } = await team(10);
    await user.client.expectJson(user.client.post('/api/search', { query: 'blox' }), 200);
    await ca.client.expectJson(ca.client.post('/api/search', { query: String(fixtureUsers[0]!.id), type: 'groups' }), 200);
    const byType = await ca.client.expectJson(ca.client.get('/api/search/history?type=groups'), 200);
    expect(byType.items.map((s: { username: string }) => s.username)).toEqual([ca.user.username]);
    const byUser = await ca.client.expectJson(ca.client.get(`/api/search/history?userId=${user.user.id}`), 200);
    expect(byUser.items.map((s: { type: string }) => s.type)).toEqual(['keyword']);
    await ca.client.expectJson(ca.client.get('/api/search/history?type=teleport'), 400);
  });
});

describe('bad input of every type: 400, nothing charged, Roblox not asked', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['empty keyword', { query: '', type: 'keyword' }],
    ['keyword too long', { query: 'b'.repeat(51) }],
    ['unicode keyword', { query: 'блокс' }],
    ['profile id with letters', { query: '12x', type: 'profile' }],
    ['groups id with a leading zero', { query: '0042', type: 'groups' }],
    ['groups id beyond 2^53', { query: '99999999999999999', type: 'groups' }],
    ['no usernames', { query: ',,\n', type: 'usernames' }],
    ['101 usernames', { query: Array.from({ length: 101 }, (_, i) => `user_${i}`).join(','), type: 'usernames' }],
    ['duplicate usernames', { query: 'Builderman, builderman', type: 'usernames' }],
    ['unicode username', { query: 'Élodie_1', type: 'usernames' }],
    ['unknown type', { query: 'blox', type: 'avatar' }],
  ];
  it.each(cases)('%s', async (_name, body) => {
    const { customer, user } = await team(3);
    const before = await robloxRequests('all');
    const res = await user.client.expectJson(user.client.post('/api/search', body), 400);
    assertExactErrorShape(res);
    expect(await balance(customer.id)).toBe(3);
    expect(await ledger(customer.id)).toHaveLength(1);
    expect((await user.client.expectJson(user.client.get('/api/search/history'), 200)).total).toBe(0);
    // Other suites run at the same time; this one's request would have been its own (and is not).
    expect(await robloxRequests('all')).toBeGreaterThanOrEqual(before);
  });
});

describe('each Roblox host failing: refunded, and the answer says what happened', () => {
  const hosts = [
    ['thumbnails', 'profile'],
    ['friends', 'profile'],
    ['users', 'profile'],
    ['groups', 'groups'],
  ] as const;
  const faults = ['fail500', 'ratelimited', 'slow', 'malformed'] as const;
  it.each(hosts.flatMap(([api, type]) => faults.map((fault) => ({ api, type, fault }))))(
    '$type look-up, $api host answering $fault → 502, refunded',
    async ({ api, type, fault }) => {
      const { customer, user } = await team(2);
      const id = faultyUserId(api, fault, nonce());
      const res = await user.client.expectJson(user.client.post('/api/search', { query: String(id), type }), 502);
      assertExactErrorShape(res);
      expect(res.error).toBe('Roblox is unavailable');
      expect(res.details).toMatch(new RegExp(`Roblox's ${api[0]!.toUpperCase()}${api.slice(1)} API`));
      expect(res.details).toMatch(/Your 1 credit was refunded/);
      expect(await balance(customer.id)).toBe(2);
      expect(await ledger(customer.id)).toEqual([['admin_grant', 2], ['usage', -1], ['refund', 1]]);
      const history = await user.client.expectJson(user.client.get('/api/search/history'), 200);
      expect(history.items[0]).toMatchObject({ status: 'refunded', creditsCharged: 1 });
    },
  );

  it('usernames: the Users API failing is refunded for every name reserved', async () => {
    const { customer, user } = await team(5);
    const res = await user.client.expectJson(user.client.post('/api/search', { query: `${fresh('fail500')},${fixtureUsers[0]!.name}`, type: 'usernames' }), 502);
    expect(res.details).toMatch(/Your 2 credits were refunded/);
    expect(await ledger(customer.id)).toEqual([['admin_grant', 5], ['usage', -2], ['refund', 2]]);
  });
});

describe('Idempotency-Key on POST /api/search', () => {
  it('same key: one charge, the first answer replayed; another body with it is a 409; a bad key is a 400', async () => {
    const { customer, user } = await team(5);
    const key = `lookup-${fresh('k')}`;
    const body = { query: fresh('blox') };
    const first = await user.client.expectJson(user.client.post('/api/search', body, { 'Idempotency-Key': key }), 200);
    const again = await user.client.expectJson(user.client.post('/api/search', body, { 'Idempotency-Key': key }), 200);
    expect(again).toEqual(first);
    expect(await balance(customer.id)).toBe(4);
    expect(await robloxRequests(`keyword=${body.query}`)).toBe(1);
    const other = await user.client.expectJson(user.client.post('/api/search', { query: 'builder' }, { 'Idempotency-Key': key }), 409);
    expect(other.error).toBe('Idempotency key reused');
    await user.client.expectJson(user.client.post('/api/search', body, { 'Idempotency-Key': 'has space' }), 400);
    expect(await balance(customer.id)).toBe(4);
  });

  it('a retry while the look-up is in flight is a 409 "Request in progress"; afterwards the refunded failure is replayed, charged once', async () => {
    const { customer, user } = await team(5);
    const key = `lookup-${fresh('k')}`;
    const body = { query: fresh('slow') };
    const first = user.client.post('/api/search', body, { 'Idempotency-Key': key });
    await new Promise((r) => setTimeout(r, 300));
    const during = await user.client.post('/api/search', body, { 'Idempotency-Key': key });
    expect(during.status).toBe(409);
    expect(during.headers.get('retry-after')).toBe('1');
    const duringBody = await during.json();
    expect(duringBody.error).toBe('Request in progress');
    expect(duringBody.details).toMatch(/look-up #\d+/);
    const answer = await first;
    expect(answer.status).toBe(502);
    const firstBody = await answer.json();
    const replay = await user.client.expectJson(user.client.post('/api/search', body, { 'Idempotency-Key': key }), 502);
    expect(replay).toEqual(firstBody);
    expect(await ledger(customer.id)).toEqual([['admin_grant', 5], ['usage', -1], ['refund', 1]]);
  });
});

describe('monthly limit through PATCH /api/admin/users/:id', () => {
  it('a CUSTOMER_ADMIN sets and clears it; the look-up past it is a 402 that costs nothing; bad values are 400', async () => {
    const { customer, ca, user } = await team(50);
    const set = await ca.client.expectJson(ca.client.patch(`/api/admin/users/${user.user.id}`, { monthlyCreditLimit: 2 }), 200);
    expect(set.user).toMatchObject({ monthlyCreditLimit: 2, spentThisMonth: 0 });
    await user.client.expectJson(user.client.post('/api/search', { query: 'blox' }), 200);
    await user.client.expectJson(user.client.post('/api/search', { query: 'builder' }), 200);
    const keyword = fresh('blox');
    const refused = await user.client.expectJson(user.client.post('/api/search', { query: keyword }), 402);
    assertExactErrorShape(refused);
    expect(refused.error).toBe('Monthly limit reached');
    expect(refused.details).toMatch(/monthly limit is 2: 2 spent this month, 0 left/);
    expect(await robloxRequests(`keyword=${keyword}`)).toBe(0);
    expect(await balance(customer.id)).toBe(48);
    const list = await ca.client.expectJson(ca.client.get(`/api/admin/users?search=${user.user.username}`), 200);
    expect(list.items[0]).toMatchObject({ monthlyCreditLimit: 2, spentThisMonth: 2 });
    for (const bad of [-1, 1.5, '10', 2_000_000_000]) {
      await ca.client.expectJson(ca.client.patch(`/api/admin/users/${user.user.id}`, { monthlyCreditLimit: bad }), 400);
    }
    await admin.expectJson(admin.patch(`/api/admin/users/${user.user.id}`, { monthlyCreditLimit: null }), 200);
    await user.client.expectJson(user.client.post('/api/search', { query: keyword }), 200);
    const me = await admin.expectJson(admin.get('/api/me'), 200);
    const platformLimit = await admin.expectJson(admin.patch(`/api/admin/users/${me.user.id}`, { monthlyCreditLimit: 5 }), 400);
    expect(platformLimit.details).toHaveProperty('monthlyCreditLimit');
  });
});
