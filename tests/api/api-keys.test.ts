/**
 * API keys (issue 14 item 1) over real HTTP: made once and shown once, stored only as a hash,
 * `Authorization: Bearer` in place of the cookie with exactly the key's permissions and customer,
 * no Origin check for it, revoked / expired / orphaned keys refused, every action audited as the
 * key. (Each permission and tenant boundary with a key: the access matrix. The per-key rate limit
 * and two-factor enrolment: tests/api/api-key-limits.test.ts, on servers of their own.)
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../support/audit';
import { unique } from '../support/db';
import { anonymous, apiKeyClient, PASSWORD, server, signedIn, superAdmin, tenant, withKey, type ApiClient } from '../support/api';

let admin: ApiClient;
let adminId: number;
let A: { customer: { id: number; name: string }; makeUser: Awaited<ReturnType<typeof tenant>>['makeUser'] };
let B: typeof A;
let adminOfA: { user: { id: number; username: string }; client: ApiClient };

beforeAll(async () => {
  admin = await superAdmin();
  adminId = (await admin.expectJson(admin.get('/api/me'), 200)).user.id;
  A = await tenant(admin, { credits: 100 });
  B = await tenant(admin, { credits: 100 });
  adminOfA = await A.makeUser('CUSTOMER_ADMIN');
});

const balanceOf = async (customerId: number) => (await admin.expectJson(admin.get(`/api/admin/customers/${customerId}/credits`), 200)).balance as number;

describe('making keys', () => {
  it('POST answers 201 { apiKey, key }: rtk_ and 32 random bytes, shown once; lists and the log never hold it', async () => {
    const made = await admin.expectJson(
      admin.post('/api/admin/api-keys', { name: 'Billing sync', customerId: A.customer.id, permissions: ['credits.read', 'credits.add'] }),
      201,
    );
    expect(made.key).toMatch(/^rtk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(made.key.slice(4), 'base64url')).toHaveLength(32);
    expect(made.apiKey).toMatchObject({
      name: 'Billing sync',
      prefix: made.key.slice(0, 12),
      customerId: A.customer.id,
      permissions: ['credits.read', 'credits.add'],
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      createdBy: { id: adminId },
    });
    for (const field of ['id', 'name', 'prefix', 'customerId', 'permissions', 'createdAt', 'expiresAt', 'lastUsedAt']) expect(made.apiKey).toHaveProperty(field);
    await withKey(made.key).expectJson(withKey(made.key).get(`/api/admin/customers/${A.customer.id}/credits`), 200);

    const lists = [
      await admin.get('/api/admin/api-keys?pageSize=100'),
      await admin.get(`/api/admin/api-keys?customerId=${A.customer.id}`),
      await adminOfA.client.get('/api/admin/api-keys'),
      await admin.get(`/api/admin/audit?customerId=${A.customer.id}&pageSize=100`),
      await admin.get(`/api/admin/audit/export?customerId=${A.customer.id}`),
    ];
    const secretPart = made.key.slice(12);
    for (const res of lists) {
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain(made.apiKey.prefix);
      expect(text).not.toContain(secretPart);
    }
    const listed = (await admin.expectJson(admin.get(`/api/admin/api-keys?customerId=${A.customer.id}`), 200)).items.find((k: any) => k.id === made.apiKey.id);
    expect(listed.lastUsedAt).not.toBeNull();
    expect(Object.keys(listed)).not.toContain('key');
    expect(fs.readFileSync(server().logFile, 'utf8')).not.toContain(secretPart);
  });

  it('a SUPER_ADMIN makes platform keys; a CUSTOMER_ADMIN only their customer’s, with permissions their role has', async () => {
    const platform = await apiKeyClient(admin, { permissions: ['customers.read', 'credits.void'] });
    expect(platform.apiKey.customerId).toBeNull();
    const all = await platform.client.expectJson(platform.client.get(`/api/admin/customers?search=${encodeURIComponent(B.customer.name)}`), 200);
    expect(all.items.map((c: any) => c.id)).toEqual([B.customer.id]);

    const own = await adminOfA.client.expectJson(adminOfA.client.post('/api/admin/api-keys', { name: 'mine', permissions: ['credits.read'] }), 201);
    expect(own.apiKey.customerId).toBe(A.customer.id);
    const refusals: Array<[unknown, number]> = [
      [{ name: 'x', customerId: B.customer.id, permissions: ['credits.read'] }, 403],
      [{ name: 'x', customerId: null, permissions: ['credits.read'] }, 403],
      [{ name: 'x', permissions: ['credits.void'] }, 403],
      [{ name: 'x', permissions: ['account.sessions'] }, 400],
      [{ name: 'x', permissions: ['api_keys.manage'] }, 400],
      [{ name: 'x', permissions: [] }, 400],
      [{ name: 'x', permissions: ['credits.read', 'credits.read'] }, 400],
      [{ name: 'x', permissions: ['nope'] }, 400],
      [{ name: '', permissions: ['credits.read'] }, 400],
      [{ name: 'x', permissions: ['credits.read'], expiresAt: '2020-01-01T00:00:00Z' }, 400],
      [{ name: 'x', permissions: ['credits.read'], extra: 1 }, 400],
    ];
    for (const [body, status] of refusals) {
      const res = await adminOfA.client.post('/api/admin/api-keys', body);
      const json = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(Object.keys(json).sort()).toEqual(['code', 'details', 'error']);
    }
    // A customer's key acts as its CUSTOMER_ADMIN: it can't hold what they don't have, whoever makes it.
    await admin.expectJson(admin.post('/api/admin/api-keys', { name: 'x', customerId: A.customer.id, permissions: ['credits.void'] }), 400);
    // Nor what its creator's role lacks: a SUPER_ADMIN runs no look-ups, so makes no key that does.
    await admin.expectJson(admin.post('/api/admin/api-keys', { name: 'x', customerId: A.customer.id, permissions: ['searches.run'] }), 403);
    await admin.expectJson(admin.post('/api/admin/api-keys', { name: 'x', customerId: 2_000_000_000, permissions: ['credits.read'] }), 404);
    // A USER manages no keys.
    const user = await A.makeUser('USER');
    await user.client.expectJson(user.client.post('/api/admin/api-keys', { name: 'x', permissions: ['searches.read'] }), 403);
  });

  it('a key makes, lists and revokes no keys: only someone signed in does', async () => {
    const { client } = await apiKeyClient(admin, { permissions: ['customers.read'] });
    for (const res of [await client.get('/api/admin/api-keys'), await client.post('/api/admin/api-keys', { name: 'x', permissions: ['customers.read'] })]) {
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'Forbidden - API key lacks permission', details: 'This API key does not have the api_keys.manage permission', code: 'forbidden' });
    }
  });
});

describe('using keys', () => {
  it('does exactly what its permissions say, for its own customer only', async () => {
    const { client } = await apiKeyClient(adminOfA.client, { permissions: ['credits.add', 'customers.read'] });
    const before = { A: await balanceOf(A.customer.id), B: await balanceOf(B.customer.id) };
    await client.expectJson(client.post('/api/admin/credits/add', { customerId: A.customer.id, amount: 5, description: 'by key' }), 200);
    const other = await client.post('/api/admin/credits/add', { customerId: B.customer.id, amount: 5, description: 'by key' });
    expect(other.status).toBe(403);
    await client.expectJson(client.get(`/api/admin/customers/${B.customer.id}`), 403);
    const seen = await client.expectJson(client.get(`/api/admin/customers?search=${encodeURIComponent(B.customer.name)}`), 200);
    expect(seen.items).toEqual([]);
    await client.expectJson(client.post('/api/admin/credits/deduct', { customerId: A.customer.id, amount: 1, description: 'x' }), 403);
    await client.expectJson(client.get('/api/admin/users'), 403);
    expect({ A: await balanceOf(A.customer.id), B: await balanceOf(B.customer.id) }).toEqual({ A: before.A + 5, B: before.B });
  });

  it('no Origin check applies to a key, and a key is not a cookie: a cross-site cookie write is still refused', async () => {
    const { client } = await apiKeyClient(admin, { customerId: A.customer.id, permissions: ['credits.add'] });
    const cross = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    await client.expectJson(client.post('/api/admin/credits/add', { customerId: A.customer.id, amount: 1, description: 'from a script' }, cross), 200);
    const cookie = await admin.post('/api/admin/credits/add', { customerId: A.customer.id, amount: 1, description: 'x' }, cross);
    expect(cookie.status).toBe(403);
  });

  it('an unknown, malformed or non-Bearer Authorization is a 401, even with a valid cookie beside it', async () => {
    for (const authorization of ['Bearer rtk_nope', 'Bearer', 'Basic YWRtaW46eA==', 'Bearer sk_live_123', 'bearer  ']) {
      const res = await admin.get('/api/me', { authorization });
      expect(res.status, authorization).toBe(401);
      expect((await res.json()).code).toBe('unauthorized');
    }
    expect((await anonymous().get('/api/me')).status).toBe(401);
  });

  it('revoked keys are refused at once; a CUSTOMER_ADMIN revokes only their customer’s keys', async () => {
    const { apiKey, client } = await apiKeyClient(admin, { customerId: A.customer.id, permissions: ['customers.read'] });
    const ofB = await apiKeyClient(admin, { customerId: B.customer.id, permissions: ['customers.read'] });
    await client.expectJson(client.get(`/api/admin/customers/${A.customer.id}`), 200);
    await adminOfA.client.expectJson(adminOfA.client.request('DELETE', `/api/admin/api-keys/${ofB.apiKey.id}`), 404);
    await ofB.client.expectJson(ofB.client.get(`/api/admin/customers/${B.customer.id}`), 200);
    const revoked = await adminOfA.client.expectJson(adminOfA.client.request('DELETE', `/api/admin/api-keys/${apiKey.id}`), 200);
    expect(revoked.apiKey.revokedAt).not.toBeNull();
    const res = await client.get(`/api/admin/customers/${A.customer.id}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ details: 'This API key was revoked', code: 'unauthorized' });
    // Again: the same answer, and nothing more is logged.
    const again = await admin.expectJson(admin.request('DELETE', `/api/admin/api-keys/${apiKey.id}`), 200);
    expect(again.apiKey.revokedAt).toBe(revoked.apiKey.revokedAt);
    const events = await auditEvents(admin, { action: 'api_key.revoked', customerId: A.customer.id });
    expect(events.filter((e) => e.targetId === apiKey.id)).toHaveLength(1);
    await admin.expectJson(admin.request('DELETE', '/api/admin/api-keys/2000000000'), 404);
  });

  it('expired keys are refused', async () => {
    const { client } = await apiKeyClient(admin, { customerId: A.customer.id, permissions: ['customers.read'], expiresAt: new Date(Date.now() + 2_000).toISOString() });
    await client.expectJson(client.get(`/api/admin/customers/${A.customer.id}`), 200);
    await new Promise((r) => setTimeout(r, 2_500));
    const res = await client.get(`/api/admin/customers/${A.customer.id}`);
    expect(res.status).toBe(401);
    expect((await res.json()).details).toBe('This API key has expired');
  });

  it('a key stops working while its creator is deactivated, and while its customer is', async () => {
    const creator = await A.makeUser('CUSTOMER_ADMIN');
    const { client } = await apiKeyClient(creator.client, { permissions: ['customers.read'] });
    await client.expectJson(client.get(`/api/admin/customers/${A.customer.id}`), 200);
    await admin.expectJson(admin.patch(`/api/admin/users/${creator.user.id}`, { active: false }), 200);
    const res = await client.get(`/api/admin/customers/${A.customer.id}`);
    expect(res.status).toBe(401);
    expect((await res.json()).details).toBe('The user who created this API key has been deactivated');
    await admin.expectJson(admin.patch(`/api/admin/users/${creator.user.id}`, { active: true }), 200);
    await client.expectJson(client.get(`/api/admin/customers/${A.customer.id}`), 200);
    // Demoted to USER, the creator could no longer make it: the key goes with that.
    await admin.expectJson(admin.patch(`/api/admin/users/${creator.user.id}`, { role: 'USER' }), 200);
    expect((await client.get(`/api/admin/customers/${A.customer.id}`)).status).toBe(401);

    const C = await tenant(admin);
    const ofC = await apiKeyClient(admin, { customerId: C.customer.id, permissions: ['customers.read'] });
    await admin.expectJson(admin.patch(`/api/admin/customers/${C.customer.id}`, { status: 'inactive' }), 200);
    expect((await ofC.client.get(`/api/admin/customers/${C.customer.id}`)).status).toBe(401);
  });

  it('every action is audited as the key; the ledger names its creator and the key', async () => {
    const { apiKey, client } = await apiKeyClient(adminOfA.client, { permissions: ['credits.add', 'users.manage'] });
    const added = await client.expectJson(client.post('/api/admin/credits/add', { customerId: A.customer.id, amount: 7, description: 'Nightly top-up' }), 200);
    expect(added.transaction.description).toBe(`[ADMIN] Nightly top-up (Added by: ${adminOfA.user.username} via API key ${apiKey.prefix})`);
    const { user } = await client.expectJson(
      client.post('/api/admin/users', { username: unique('bykey'), password: PASSWORD, role: 'USER', customerId: A.customer.id }),
      201,
    );
    const events = await auditEvents(admin, { customerId: A.customer.id, actorId: adminOfA.user.id });
    const credit = events.find((e) => e.action === 'credits.added' && e.targetId === added.transaction.id);
    const created = events.find((e) => e.action === 'user.created' && e.targetId === user.id);
    for (const e of [credit, created]) {
      expect(e).toMatchObject({ actorId: adminOfA.user.id, actorUsername: adminOfA.user.username, actorApiKey: { id: apiKey.id, prefix: apiKey.prefix, name: apiKey.name } });
    }
    const made = (await auditEvents(admin, { action: 'api_key.created', customerId: A.customer.id })).find((e) => e.targetId === apiKey.id);
    expect(made).toMatchObject({ actorId: adminOfA.user.id, actorApiKey: null, after: { prefix: apiKey.prefix, permissions: ['credits.add', 'users.manage'] } });
    // The guide's payment id: the creator's user id.
    const rows = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${A.customer.id}&pageSize=5`), 200);
    const row = rows.items.find((t: any) => t.id === added.transaction.id);
    expect(row.paymentId).toMatch(new RegExp(`^MANUAL_ADMIN_${adminOfA.user.id}_\\d+$`));
    expect(row.username).toBe(adminOfA.user.username);
  });

  it("a customer's key with webhooks.manage runs that customer's webhooks (audited as the key), never another's; the bell is no key's", async () => {
    const { apiKey, client } = await apiKeyClient(adminOfA.client, { permissions: ['webhooks.manage', 'customers.alerts'] });
    const url = `http://127.0.0.1:9/${unique('keyhook')}`;
    const made = await client.expectJson(client.post('/api/admin/webhooks', { url, events: ['credits.low'] }), 201);
    expect(made.webhook).toMatchObject({ url, customerId: A.customer.id });
    expect(made.secret).toMatch(/^whsec_/);
    await client.expectJson(client.post('/api/admin/webhooks', { url, events: ['credits.low'], customerId: B.customer.id }), 403);
    const theirs = await admin.expectJson(admin.post('/api/admin/webhooks', { url, events: ['credits.low'], customerId: B.customer.id }), 201);
    await client.expectJson(client.get(`/api/admin/webhooks/${theirs.webhook.id}`), 404);
    await client.expectJson(client.post(`/api/admin/webhooks/${theirs.webhook.id}/enable`), 404);
    const listed = (await client.expectJson(client.get('/api/admin/webhooks?pageSize=100'), 200)).items;
    expect(listed.map((w: any) => w.id)).toContain(made.webhook.id);
    for (const w of listed) expect(w.customerId).toBe(A.customer.id);
    await client.expectJson(client.put(`/api/admin/customers/${A.customer.id}/low-balance-threshold`, { lowBalanceThreshold: 7 }), 200);
    const created = (await auditEvents(admin, { action: 'webhook.created', customerId: A.customer.id })).find((e) => e.targetId === made.webhook.id);
    expect(created).toMatchObject({ actorId: adminOfA.user.id, actorApiKey: { id: apiKey.id, prefix: apiKey.prefix } });
    // A person's own notifications are not a key's to read (account.notifications is session-only).
    await adminOfA.client.expectJson(adminOfA.client.post('/api/admin/api-keys', { name: 'x', permissions: ['account.notifications'] }), 400);
    expect((await client.get('/api/me/notifications')).status).toBe(403);
  });

  it("a key's Idempotency-Keys replay only its own answers: its creator reusing one gets a 409", async () => {
    const { client } = await apiKeyClient(adminOfA.client, { permissions: ['credits.add'] });
    const body = { customerId: A.customer.id, amount: 2, description: 'idempotent by key' };
    const headers = { 'idempotency-key': unique('idem') };
    const before = await balanceOf(A.customer.id);
    const first = await client.expectJson(client.post('/api/admin/credits/add', body, headers), 200);
    expect(await client.expectJson(client.post('/api/admin/credits/add', body, headers), 200)).toEqual(first);
    expect((await adminOfA.client.post('/api/admin/credits/add', body, headers)).status).toBe(409);
    expect(await balanceOf(A.customer.id)).toBe(before + 2);
  });

  it('a key acts as its customer on the account and look-up routes', async () => {
    const { client } = await apiKeyClient(adminOfA.client, { permissions: ['account.read', 'searches.run', 'searches.read'] });
    const me = await client.expectJson(client.get('/api/me'), 200);
    expect(me.user).toMatchObject({ id: adminOfA.user.id, customerId: A.customer.id, role: 'CUSTOMER_ADMIN' });
    const before = await balanceOf(A.customer.id);
    const found = await client.expectJson(client.post('/api/search', { query: 'blox', type: 'keyword' }), 200);
    expect(await balanceOf(A.customer.id)).toBe(before - found.creditsCharged);
    await client.expectJson(client.get('/api/me/sessions'), 403);
  });

  it('signed-in callers keep working beside keys (the cookie path is unchanged)', async () => {
    const again = await signedIn(adminOfA.user.username, PASSWORD);
    await again.expectJson(again.get('/api/admin/api-keys'), 200);
  });
});
