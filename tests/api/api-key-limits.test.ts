/**
 * API keys on servers of their own (issue 14 item 1): API_KEY_RATE_LIMIT requests a minute per
 * key, shared by every instance on one database (two on PostgreSQL; PGlite is one process's), 429
 * with Retry-After; and two-factor enrolment: a role that must enrol makes no key before it has,
 * while a key it made never meets that check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../support/auth';
import { ApiClient } from '../support/http-client';
import { startCluster, type Cluster } from '../support/lookup-cluster';
import { unique } from '../support/db';

const LIMIT = 5;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ API_KEY_RATE_LIMIT: String(LIMIT), REQUIRE_2FA_ROLES: 'CUSTOMER_ADMIN' });
}, 240_000);
afterAll(async () => {
  await cluster?.stop();
});

const keyed = (baseUrl: string, key: string) => new ApiClient(baseUrl, '', `Bearer ${key}`);

describe('per-key rate limit', () => {
  it(`${LIMIT} requests a minute per key across instances, then 429 with Retry-After on each; other keys unaffected`, async () => {
    const { admin, servers } = cluster;
    const make = async () =>
      (await admin.expectJson(admin.post('/api/admin/api-keys', { name: unique('limited'), permissions: ['customers.read'] }), 201)).key as string;
    const key = await make();
    for (let i = 0; i < LIMIT; i++) {
      const res = await keyed(servers[i % servers.length]!.baseUrl, key).get('/api/admin/customers?pageSize=1');
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    for (const s of servers) {
      const res = await keyed(s.baseUrl, key).get('/api/admin/customers?pageSize=1');
      expect(res.status).toBe(429);
      const retry = Number(res.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(await res.json()).toMatchObject({ error: 'Too many requests', code: 'rate_limited' });
    }
    // The limit is the key's: another key, and the signed-in admin, go on.
    expect((await keyed(servers[0]!.baseUrl, await make()).get('/api/admin/customers?pageSize=1')).status).toBe(200);
    expect((await admin.get('/api/admin/customers?pageSize=1')).status).toBe(200);
  });
});

describe('two-factor enrolment', () => {
  it('a CUSTOMER_ADMIN who must enrol makes no key until enrolled; the key then works without a second factor', async () => {
    const { admin, servers } = cluster;
    const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: unique('TwoFactor') }), 201);
    const username = unique('tfa');
    await admin.expectJson(admin.post('/api/admin/users', { username, password: 'correct horse battery', role: 'CUSTOMER_ADMIN', customerId: customer.id }), 201);
    const ca = new ApiClient(servers[0]!.baseUrl);
    await ca.signIn(username, 'correct horse battery');
    const body = { name: 'ci', permissions: ['customers.read'] };
    expect((await ca.expectJson(ca.post('/api/admin/api-keys', body), 403)).code).toBe('two_factor_required');
    const { secret } = await ca.expectJson(ca.post('/api/me/2fa/setup'), 200);
    await ca.expectJson(ca.post('/api/me/2fa/enable', { code: await totpCode(secret) }), 200);
    const { key } = await ca.expectJson(ca.post('/api/admin/api-keys', body), 201);
    const res = await keyed(servers[0]!.baseUrl, key).get(`/api/admin/customers/${customer.id}`);
    expect(res.status).toBe(200);
  });
});
