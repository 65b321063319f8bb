/**
 * Server-side sessions (defect 3): a session cookie is worth something only while its row in
 * `sessions` is live. Sign-out ends it; a password change, a role change and deactivation end all
 * of the user's sessions; a user can list and end their own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { attempt, clientWith, signOut } from '../support/auth';
import { auditEvents } from '../support/audit';
import { assertExactErrorShape, PASSWORD, server, signedIn, superAdmin, tenant, testAddress, type ApiClient } from '../support/api';

let admin: ApiClient;
beforeAll(async () => {
  // A SUPER_ADMIN of this file's own: other suites end the bootstrap admin's sessions (its own
  // password change, revoke-all), which would sign this file's admin out mid-test.
  const root = await superAdmin();
  const username = unique('sessions_admin');
  await root.expectJson(root.post('/api/admin/users', { username, password: PASSWORD, role: 'SUPER_ADMIN' }), 201);
  admin = await signedIn(username, PASSWORD);
});

const base = () => server().baseUrl;

/** Signs in afresh (a new session) and returns its cookie's value. */
async function session(username: string, password = PASSWORD): Promise<string> {
  const r = await attempt(base(), username, password, { headers: { 'x-forwarded-for': testAddress() } });
  if (!r.sessionToken) throw new Error(`sign-in as ${username} failed: ${r.status} ${r.body}`);
  return r.sessionToken;
}

async function expectSignedOut(token: string, details: RegExp) {
  const res = await clientWith(base(), token).get('/api/me');
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(401);
  expect(assertExactErrorShape(body)).toMatchObject({ error: 'Unauthorized - Please sign in' });
  expect(body.details).toMatch(details);
}

async function member(role: 'USER' | 'CUSTOMER_ADMIN' = 'CUSTOMER_ADMIN', credits = 0) {
  const { customer } = await tenant(admin, { credits });
  const { user } = await admin.expectJson(
    admin.post('/api/admin/users', { username: unique('sess'), password: PASSWORD, role, customerId: customer.id }),
    201,
  );
  return { customer, user, username: user.username as string };
}

describe('ending sessions', () => {
  it('sign-out ends that session on the server: the old cookie is refused, other sessions go on', async () => {
    const { username } = await member();
    const [a, b] = [await session(username), await session(username)];
    const res = await signOut(base(), a);
    expect(res.status).toBeLessThan(400);
    await expectSignedOut(a, /signed out/);
    await clientWith(base(), b).expectJson(clientWith(base(), b).get('/api/me'), 200);
    // NextAuth's own session endpoint agrees.
    const nextAuth = await fetch(`${base()}/api/auth/session`, { headers: { cookie: `next-auth.session-token=${a}` } });
    expect(await nextAuth.json()).toEqual({});
  });

  it('an ended session can no longer run paid look-ups: nothing is charged', async () => {
    const { customer, username } = await member('USER', 5);
    const token = await session(username);
    const user = clientWith(base(), token);
    await user.expectJson(user.post('/api/search', { query: 'blox' }), 200);
    await signOut(base(), token);
    const refused = await user.post('/api/search', { query: 'blox' });
    expect(refused.status).toBe(401);
    const { customer: after } = await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}`), 200);
    expect(after.creditBalance).toBe(4);
  });

  it("an admin's password change ends all of that user's sessions", async () => {
    const { user, username } = await member();
    const tokens = [await session(username), await session(username)];
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { password: 'a brand new password' }), 200);
    for (const t of tokens) await expectSignedOut(t, /password was changed/);
    await session(username, 'a brand new password');
  });

  it("changing one's own password ends one's other sessions and keeps the one that made the change", async () => {
    const { customer } = await tenant(admin);
    const ca = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('selfpw'), password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: customer.id }),
      201,
    );
    const [current, other] = [await session(ca.user.username), await session(ca.user.username)];
    const me = clientWith(base(), current);
    await me.expectJson(me.patch(`/api/admin/users/${ca.user.id}`, { password: 'my own new password' }), 200);
    await me.expectJson(me.get('/api/me'), 200);
    await expectSignedOut(other, /password was changed/);
  });

  it('a role change ends all of the user\'s sessions (the new role applies from the next sign-in)', async () => {
    const { user, username } = await member('USER');
    const token = await session(username);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { role: 'CUSTOMER_ADMIN' }), 200);
    await expectSignedOut(token, /role was changed/);
    const again = clientWith(base(), await session(username));
    await again.expectJson(again.get('/api/admin/users'), 200);
  });

  it('deactivation ends every session for good: reactivating the user does not bring the old cookie back', async () => {
    const { user, username } = await member();
    const token = await session(username);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { active: false }), 200);
    await expectSignedOut(token, /deactivated/);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { active: true }), 200);
    await expectSignedOut(token, /deactivated/);
    await session(username);
  });

  it('each ending is in the audit log, with how many sessions it ended', async () => {
    const { customer, user, username } = await member();
    await session(username);
    await session(username);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { password: 'yet another password' }), 200);
    const [changed] = await auditEvents(admin, { customerId: customer.id, action: 'user.password_changed' });
    expect(changed).toMatchObject({ targetType: 'user', targetId: user.id, after: { sessionsEnded: 2, bySelf: false } });
  });
});

describe('GET /api/me/sessions, DELETE /api/me/sessions/:id, POST /api/me/sessions/revoke-all', () => {
  it('lists live sessions newest first with created, last seen, address, user agent and the current flag', async () => {
    const { username } = await member();
    const older = await session(username);
    const address = testAddress();
    const r = await attempt(base(), username, PASSWORD, { headers: { 'x-forwarded-for': address, 'user-agent': 'SessionsTest/1.0' } });
    const me = clientWith(base(), r.sessionToken!);
    const list = await me.expectJson(me.get('/api/me/sessions'), 200);
    expect(list.total).toBe(2);
    expect(list.items.map((s: any) => s.current)).toEqual([true, false]);
    const [current] = list.items;
    expect(current).toMatchObject({ address, userAgent: 'SessionsTest/1.0', current: true });
    for (const s of list.items) {
      expect(Object.keys(s).sort()).toEqual(['address', 'createdAt', 'current', 'expiresAt', 'id', 'idleExpiresAt', 'lastSeenAt', 'userAgent']);
      expect(typeof s.id).toBe('number');
      expect(Date.parse(s.expiresAt) - Date.parse(s.createdAt)).toBe(8 * 3600 * 1000);
    }
    // Ended sessions are not listed.
    await signOut(base(), older);
    expect((await me.expectJson(me.get('/api/me/sessions'), 200)).total).toBe(1);
  });

  it("DELETE ends one of one's own sessions; someone else's or an unknown id is 404 and ends nothing", async () => {
    const a = await member();
    const b = await member();
    const [mine, other] = [await session(a.username), await session(a.username)];
    const theirs = await session(b.username);
    const me = clientWith(base(), mine);
    const { items } = await me.expectJson(me.get('/api/me/sessions'), 200);
    const otherId = items.find((s: any) => !s.current).id;
    const theirId = (await clientWith(base(), theirs).expectJson(clientWith(base(), theirs).get('/api/me/sessions'), 200)).items[0].id;

    assertExactErrorShape(await me.expectJson(me.request('DELETE', `/api/me/sessions/${theirId}`), 404));
    await clientWith(base(), theirs).expectJson(clientWith(base(), theirs).get('/api/me'), 200);
    assertExactErrorShape(await me.expectJson(me.request('DELETE', '/api/me/sessions/2000000000'), 404));
    assertExactErrorShape(await me.expectJson(me.request('DELETE', '/api/me/sessions/abc'), 400));

    expect(await me.expectJson(me.request('DELETE', `/api/me/sessions/${otherId}`), 200)).toEqual({ ended: otherId, current: false });
    await expectSignedOut(other, /session was ended/);
    await me.expectJson(me.get('/api/me'), 200);
    // Again: already ended.
    await me.expectJson(me.request('DELETE', `/api/me/sessions/${otherId}`), 404);
  });

  it('revoke-all ends every other session and keeps this one', async () => {
    const { username } = await member();
    const others = [await session(username), await session(username), await session(username)];
    const me = clientWith(base(), await session(username));
    expect(await me.expectJson(me.post('/api/me/sessions/revoke-all'), 200)).toEqual({ ended: 3 });
    for (const t of others) await expectSignedOut(t, /session was ended/);
    expect((await me.expectJson(me.get('/api/me/sessions'), 200)).total).toBe(1);
  });

  it('a cross-site revoke is refused (CSRF), like every cookie-authenticated write', async () => {
    const { username } = await member();
    const other = await session(username);
    const me = clientWith(base(), await session(username));
    const res = await me.post('/api/me/sessions/revoke-all', undefined, { Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    await clientWith(base(), other).expectJson(clientWith(base(), other).get('/api/me'), 200);
  });
});

describe('the session cookie', () => {
  it('lives no longer than the server-side session (SESSION_MAX_AGE_SECONDS, 8 hours by default)', async () => {
    const r = await attempt(base(), server().adminUsername, server().adminPassword, { headers: { 'x-forwarded-for': testAddress() } });
    const cookie = r.res.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='))!;
    const expires = Date.parse(/Expires=([^;]+)/i.exec(cookie)![1]!);
    expect(Math.abs(expires - Date.now() - 8 * 3600 * 1000)).toBeLessThan(60_000);
  });
});
