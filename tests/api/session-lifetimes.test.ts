/**
 * A second server of its own, with short session lifetimes (SESSION_MAX_AGE_SECONDS=8,
 * SESSION_IDLE_SECONDS=3), a known NEXTAUTH_SECRET, no TRUSTED_PROXIES and
 * REQUIRE_2FA_ROLES=CUSTOMER_ADMIN: what the server enforces whatever the cookie says.
 */
import crypto from 'node:crypto';
import { encode } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { attempt, clientWith, sleep, totpCode } from '../support/auth';
import { assertExactErrorShape, PASSWORD } from '../support/api';
import { ApiClient } from '../support/http-client';
import { startServer, type RunningServer } from '../support/server';

const SECRET = crypto.randomBytes(32).toString('base64url');
let srv: RunningServer;
let admin: ApiClient;

beforeAll(async () => {
  srv = await startServer({
    NEXTAUTH_SECRET: SECRET,
    SESSION_MAX_AGE_SECONDS: '8',
    SESSION_IDLE_SECONDS: '3',
    REQUIRE_2FA_ROLES: 'CUSTOMER_ADMIN',
    LOGIN_RATE_LIMIT_ATTEMPTS: '5',
    LOGIN_RATE_LIMIT_WINDOW_SECONDS: '60',
  });
  admin = new ApiClient(srv.baseUrl);
  await admin.signIn(srv.adminUsername, srv.adminPassword);
}, 120_000);

afterAll(async () => {
  await srv?.stop();
});

async function user(role: 'USER' | 'CUSTOMER_ADMIN') {
  // Fresh admin session each time: this server's sessions go idle after 3 s.
  const a = new ApiClient(srv.baseUrl);
  await a.signIn(srv.adminUsername, srv.adminPassword);
  const { customer } = await a.expectJson(a.post('/api/admin/customers', { name: unique('Lifetimes') }), 201);
  const { user } = await a.expectJson(a.post('/api/admin/users', { username: unique('life'), password: PASSWORD, role, customerId: customer.id }), 201);
  return user.username as string;
}

describe('lifetimes enforced by the server', () => {
  it('idle: a session unused for SESSION_IDLE_SECONDS is over; one used meanwhile goes on until SESSION_MAX_AGE_SECONDS', async () => {
    const username = await user('USER');
    const [idle, busy] = [await attempt(srv.baseUrl, username, PASSWORD), await attempt(srv.baseUrl, username, PASSWORD)];
    const busyClient = clientWith(srv.baseUrl, busy.sessionToken!);
    const started = Date.now();
    // Used every second: never idle for 3 s.
    while (Date.now() - started < 5_000) {
      await busyClient.expectJson(busyClient.get('/api/me'), 200);
      await sleep(1_000);
    }
    const idleRes = await clientWith(srv.baseUrl, idle.sessionToken!).get('/api/me');
    expect(idleRes.status).toBe(401);
    expect((await idleRes.json()).details).toMatch(/without activity/);
    while (Date.now() - started < 8_500) {
      await busyClient.get('/api/me');
      await sleep(1_000);
    }
    const expired = await busyClient.get('/api/me');
    expect(expired.status).toBe(401);
    expect((await expired.json()).details).toMatch(/at most/);
  }, 30_000);

  it('the JWT lives no longer than the session: the cookie carries the same maximum age', async () => {
    const username = await user('USER');
    const r = await attempt(srv.baseUrl, username, PASSWORD);
    const cookie = r.res.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='))!;
    const expires = Date.parse(/Expires=([^;]+)/i.exec(cookie)![1]!);
    expect(Math.abs(expires - Date.now() - 8_000)).toBeLessThan(3_000);
  });
});

describe('a token made elsewhere with the same NEXTAUTH_SECRET', () => {
  it('maps to no local user: without a session of this database, sub=1 (the admin) is refused', async () => {
    const guide = (token: string) => fetch(`${srv.baseUrl}/api/admin/customers`, { headers: { cookie: `next-auth.session-token=${token}` } });
    // What the old code issued, and what another deployment issues today: a valid signature, a
    // user id that exists here, and (for the latter) a session secret of the other database.
    const oldStyle = await encode({ token: { sub: '1', name: 'admin' }, secret: SECRET });
    const otherDeployment = await encode({ token: { sub: '1', name: 'admin', sid: crypto.randomBytes(32).toString('base64url') }, secret: SECRET });
    for (const token of [oldStyle, otherDeployment]) {
      const res = await guide(token);
      expect(res.status).toBe(401);
      assertExactErrorShape(await res.json());
    }
    // A session of this database works, of course.
    const real = await attempt(srv.baseUrl, srv.adminUsername, srv.adminPassword);
    expect((await guide(real.sessionToken!)).status).toBe(200);
  });
});

describe('REQUIRE_2FA_ROLES=CUSTOMER_ADMIN', () => {
  it('a CUSTOMER_ADMIN without two-factor: API calls 403 "Two-factor authentication required", pages go to enrolment; after enrolling, both work', async () => {
    const username = await user('CUSTOMER_ADMIN');
    const r = await attempt(srv.baseUrl, username, PASSWORD);
    expect(r.sessionToken, r.body).toBeTruthy();
    const me = clientWith(srv.baseUrl, r.sessionToken!);
    const refused = assertExactErrorShape(await me.expectJson(me.get('/api/admin/customers'), 403));
    expect(refused).toMatchObject({ error: 'Two-factor authentication required', code: 'two_factor_required' });
    assertExactErrorShape(await me.expectJson(me.get('/api/me'), 403));
    const page = await fetch(`${srv.baseUrl}/admin`, { redirect: 'manual', headers: { cookie: `next-auth.session-token=${r.sessionToken}` } });
    expect([302, 303, 307, 308]).toContain(page.status);
    expect(new URL(page.headers.get('location')!, srv.baseUrl).pathname).toBe('/account/security');
    const security = await fetch(`${srv.baseUrl}/account/security`, { headers: { cookie: `next-auth.session-token=${r.sessionToken}` } });
    expect(security.status).toBe(200);

    const setup = await me.expectJson(me.post('/api/me/2fa/setup'), 200);
    await me.expectJson(me.post('/api/me/2fa/enable', { code: await totpCode(setup.secret) }), 200);
    await me.expectJson(me.get('/api/admin/customers'), 200);
    // Required: it can't be turned off.
    assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/disable', { code: await totpCode(setup.secret, 1) }), 409));
    // USERs are not affected.
    const u = await attempt(srv.baseUrl, await user('USER'), PASSWORD);
    await clientWith(srv.baseUrl, u.sessionToken!).expectJson(clientWith(srv.baseUrl, u.sessionToken!).get('/api/me'), 200);
  }, 30_000);
});

// Last: it uses up this server's one address budget (every client here is 127.0.0.1).
describe('without TRUSTED_PROXIES, X-Forwarded-For is not believed', () => {
  it('forged X-Forwarded-For values all count against the real address (25 failures, then 429 for anyone from it)', async () => {
    const forged = () => ({ 'x-forwarded-for': `10.${1 + Math.floor(Math.random() * 250)}.0.${1 + Math.floor(Math.random() * 250)}` });
    for (let i = 0; i < 25; i++) await attempt(srv.baseUrl, unique('spray'), 'wrong', { headers: forged() });
    const blocked = await attempt(srv.baseUrl, srv.adminUsername, srv.adminPassword, { headers: forged() });
    expect(blocked.status).toBe(429);
  }, 60_000);
});
