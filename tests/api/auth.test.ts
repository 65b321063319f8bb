import { encode } from 'next-auth/jwt';
import { beforeAll, describe, expect, it} from 'vitest';
import { unique } from '../support/db';
import {
  anonymous,
  assertErrorShape,
  PASSWORD,
  server,
  signInAttempt,
  superAdmin,
  tenant,
  testAddress,
  withSessionToken,
  type ApiClient,
} from '../support/api';

// Sign-ins hash passwords (argon2) and the API project sets no timeout of its own: allow for a busy machine.

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function balanceOf(customerId: number): Promise<number> {
  const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${customerId}`), 200);
  return customer.creditBalance;
}

/** A CUSTOMER_ADMIN of a new customer, created by the super admin (not signed in). */
async function tenantAdmin() {
  const { customer } = await tenant(admin);
  const username = unique('guide');
  const { user } = await admin.expectJson(
    admin.post('/api/admin/users', { username, password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: customer.id }),
    201,
  );
  return { customer, user, username };
}

/** The guide's curl request, carrying nothing but the session cookie. */
function guideRequest(token: string, customerId: number, extraHeaders: Record<string, string> = {}) {
  return fetch(`${server().baseUrl}/api/admin/credits/add`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: `next-auth.session-token=${token}`, ...extraHeaders },
    body: JSON.stringify({ customerId, amount: 100, description: 'Demo account credits' }),
  });
}

describe("the README's sign-in flow, with plain fetch", () => {
  it('csrf → callback/credentials sets next-auth.session-token, and that cookie alone authorises the guide request', async () => {
    const { customer, username } = await tenantAdmin();
    const base = server().baseUrl;

    const csrf = await fetch(`${base}/api/auth/csrf`);
    expect(csrf.status).toBe(200);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    expect(csrfToken).toMatch(/^[0-9a-f]{32,}$/);
    const csrfCookie = csrf.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');

    const res = await fetch(`${base}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: csrfCookie },
      body: new URLSearchParams({ csrfToken, username, password: PASSWORD }).toString(),
    });
    expect(res.status).toBeLessThan(400);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='));
    expect(setCookie).toBeTruthy();
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    const token = /^next-auth\.session-token=([^;]+)/.exec(setCookie!)![1]!;

    const guide = await guideRequest(token, customer.id);
    expect(guide.status).toBe(200);
    const body = await guide.json();
    expect(body).toMatchObject({
      success: true,
      message: 'Credits added successfully',
      transaction: {
        customerId: customer.id,
        amount: 100,
        balanceBefore: 0,
        balanceAfter: 100,
        description: `[ADMIN] Demo account credits (Added by: ${username})`,
      },
    });
    expect(await balanceOf(customer.id)).toBe(100);
  });

  it('a wrong password sets no session cookie and the API answers 401', async () => {
    const { customer, username } = await tenantAdmin();
    const attempt = await signInAttempt(username, 'not the password', { headers: { 'x-forwarded-for': testAddress() } });
    expect(attempt.sessionToken).toBeUndefined();
    expect(attempt.res.headers.get('location') ?? '').toMatch(/error/);
    // Unknown usernames fail the same way.
    const ghost = await signInAttempt(unique('nobody'), PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(ghost.sessionToken).toBeUndefined();

    const res = await fetch(`${server().baseUrl}/api/admin/credits/add`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ customerId: customer.id, amount: 100, description: 'x' }),
    });
    expect(res.status).toBe(401);
    const body = assertErrorShape(await res.json());
    expect(body.error).toBe('Unauthorized - Please sign in');
    expect(await balanceOf(customer.id)).toBe(0);
  });

  it('a deactivated user is refused on its very next call with the same cookie; after reactivation a new sign-in works (the old session stays ended)', async () => {
    const { customer, user, username } = await tenantAdmin();
    const { sessionToken } = await signInAttempt(username, PASSWORD);
    const client = withSessionToken(sessionToken!);
    await client.expectJson(client.get('/api/admin/users'), 200);

    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { active: false }), 200);
    const refused = assertErrorShape(await client.expectJson(client.get('/api/admin/users'), 401));
    expect(refused.details).toMatch(/deactivated/);
    expect((await guideRequest(sessionToken!, customer.id)).status).toBe(401);
    expect(await balanceOf(customer.id)).toBe(0);
    // Nor can it sign in again meanwhile.
    const again = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(again.sessionToken).toBeUndefined();

    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { active: true }), 200);
    // Deactivation ended the session on the server: the old cookie is not revived.
    expect((await guideRequest(sessionToken!, customer.id)).status).toBe(401);
    const fresh = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect((await guideRequest(fresh.sessionToken!, customer.id)).status).toBe(200);
  });

  it("a user of a customer set to 'inactive' is refused at once; reactivating the customer restores access", async () => {
    const { customer, username } = await tenantAdmin();
    const { sessionToken } = await signInAttempt(username, PASSWORD);
    const client = withSessionToken(sessionToken!);
    await client.expectJson(client.get('/api/admin/users'), 200);

    await admin.expectJson(admin.patch(`/api/admin/customers/${customer.id}`, { status: 'inactive' }), 200);
    assertErrorShape(await client.expectJson(client.get('/api/admin/users'), 401));
    expect((await guideRequest(sessionToken!, customer.id)).status).toBe(401);
    const again = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(again.sessionToken).toBeUndefined();

    await admin.expectJson(admin.patch(`/api/admin/customers/${customer.id}`, { status: 'active' }), 200);
    await client.expectJson(client.get('/api/admin/users'), 200);
    expect(await balanceOf(customer.id)).toBe(0);
  });

  it('a garbage, tampered, foreign-key or expired cookie is 401 in the { error, details } shape', async () => {
    const { customer, username } = await tenantAdmin();
    const { sessionToken } = await signInAttempt(username, PASSWORD);
    const tampered = sessionToken!.slice(0, -6) + (sessionToken!.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    const foreign = await encode({ token: { sub: '1', name: 'admin' }, secret: 'not-the-server-secret' });
    const expired = await encode({ token: { sub: '1', name: 'admin' }, secret: 'not-the-server-secret', maxAge: -60 });
    for (const token of ['garbage', '', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', tampered, foreign, expired]) {
      const res = await guideRequest(token, customer.id);
      expect(res.status, `cookie ${token.slice(0, 20)}…`).toBe(401);
      const body = assertErrorShape(await res.json());
      expect(body.error).toBe('Unauthorized - Please sign in');
      const list = await fetch(`${server().baseUrl}/api/admin/customers`, { headers: { Cookie: `next-auth.session-token=${token}` } });
      expect(list.status).toBe(401);
      assertErrorShape(await list.json());
    }
    expect(await balanceOf(customer.id)).toBe(0);
    // The real one still works.
    expect((await guideRequest(sessionToken!, customer.id)).status).toBe(200);
  });
});

describe('sign-in rate limit (5 failures per username / 8 s window in the test server)', () => {
  it('5 wrong passwords, then even the right one is 429 with Retry-After; after the window it works', async () => {
    const { username } = await tenantAdmin();
    const address = testAddress();
    for (let i = 0; i < 5; i++) {
      const a = await signInAttempt(username, `wrong password ${i}`, { headers: { 'x-forwarded-for': address } });
      expect(a.res.status, `attempt ${i + 1}`).not.toBe(429);
      expect(a.sessionToken).toBeUndefined();
    }
    const locked = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': address } });
    expect(locked.res.status).toBe(429);
    expect(locked.sessionToken).toBeUndefined();
    const body = assertErrorShape(JSON.parse(locked.body));
    expect(body.error).toBe('Too many sign-in attempts');
    expect(typeof body.details).toBe('string');
    const retryAfter = Number(locked.res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(8);

    // The lock is on the username: another address, another letter case, stray spaces: still locked.
    for (const variant of [username, username.toUpperCase(), `  ${username} `]) {
      const other = await signInAttempt(variant, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
      expect(other.res.status, variant).toBe(429);
      expect(other.sessionToken).toBeUndefined();
    }

    await sleep(8_500);
    const after = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': address } });
    expect(after.sessionToken).toBeTruthy();
    await withSessionToken(after.sessionToken!).expectJson(withSessionToken(after.sessionToken!).get('/api/admin/users'), 200);
  }, 30_000);

  it('a locked username cannot be signed into by repeating the username field (limiter and NextAuth must read the same one)', async () => {
    const { username } = await tenantAdmin();
    const address = testAddress();
    for (let i = 0; i < 5; i++) {
      await signInAttempt(username, `wrong password ${i}`, { headers: { 'x-forwarded-for': address } });
    }
    expect((await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': address } })).res.status).toBe(429);
    // The same form, with a decoy username first and the locked one last.
    const body = new URLSearchParams();
    body.append('username', unique('decoy'));
    body.append('username', username);
    body.append('password', PASSWORD);
    const sneaky = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() }, body });
    expect(sneaky.sessionToken, 'a session was issued for a locked account').toBeUndefined();
    expect([400, 429]).toContain(sneaky.res.status);
  });

  it('25 failures from one address lock that address out for any username', async () => {
    const address = testAddress();
    const { username } = await tenantAdmin();
    // Concurrently, so all 25 land well inside the 8-second window.
    const failures = await Promise.all(
      Array.from({ length: 25 }, () => signInAttempt(unique('spray'), 'wrong password', { headers: { 'x-forwarded-for': address } })),
    );
    expect(failures.every((f) => f.sessionToken === undefined)).toBe(true);
    const blocked = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': address } });
    expect(blocked.res.status).toBe(429);
    expect(blocked.sessionToken).toBeUndefined();
    expect(blocked.res.headers.get('retry-after')).toMatch(/^\d+$/);
    // The same user from another address is fine.
    const elsewhere = await signInAttempt(username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(elsewhere.sessionToken).toBeTruthy();
  }, 30_000);
});

describe('CSRF: cookie-authenticated writes must come from this site', () => {
  it('Origin https://evil.example → 403 and nothing changes', async () => {
    const { customer, user, username } = await tenantAdmin();
    const { sessionToken } = await signInAttempt(username, PASSWORD);
    const res = await guideRequest(sessionToken!, customer.id, { Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    assertErrorShape(await res.json());
    expect(await balanceOf(customer.id)).toBe(0);

    const client = withSessionToken(sessionToken!);
    const victim = (await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('victim'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    )).user;
    assertErrorShape(
      await client.expectJson(client.patch(`/api/admin/users/${victim.id}`, { active: false }, { Origin: 'https://evil.example' }), 403),
    );
    assertErrorShape(
      await client.expectJson(
        client.post('/api/admin/users', { username: unique('csrf'), password: PASSWORD, role: 'USER' }, { Origin: 'https://evil.example' }),
        403,
      ),
    );
    const after = await admin.expectJson(admin.get(`/api/admin/users/${victim.id}`), 200);
    expect(after.user.active).toBe(true);
    const { customer: c } = await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}`), 200);
    expect(c.userCount).toBe(2);
    expect(user.id).toBeGreaterThan(0);
  });

  it('Sec-Fetch-Site: cross-site → 403; Origin: null → 403; a look-alike host → 403', async () => {
    const { customer, username } = await tenantAdmin();
    const { sessionToken } = await signInAttempt(username, PASSWORD);
    const base = new URL(server().baseUrl);
    const variants: Array<Record<string, string>> = [
      { 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null' },
      { Origin: `http://${base.hostname}.evil.example:${base.port}` },
      { Origin: `http://${base.hostname}:${Number(base.port) + 1}` },
    ];
    for (const headers of variants) {
      const res = await guideRequest(sessionToken!, customer.id, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      assertErrorShape(await res.json());
    }
    expect(await balanceOf(customer.id)).toBe(0);
  });

  it("the server's own Origin (and same-origin fetch metadata) is allowed", async () => {
    const { customer, username } = await tenantAdmin();
    const { sessionToken } = await signInAttempt(username, PASSWORD);
    const origin = new URL(server().baseUrl).origin;
    expect((await guideRequest(sessionToken!, customer.id, { Origin: origin })).status).toBe(200);
    expect((await guideRequest(sessionToken!, customer.id, { Origin: origin, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    expect(await balanceOf(customer.id)).toBe(200);
  });
});

describe('request limits and response hygiene', () => {
  it('a body over 64 KB is 413 in the error shape, with or without Content-Length', async () => {
    const { customer } = await tenant(admin, { credits: 3 });
    const big = JSON.stringify({ customerId: customer.id, amount: 1, description: 'x'.repeat(70 * 1024) });
    const declared = await admin.expectJson(admin.post('/api/admin/credits/add', big), 413);
    assertErrorShape(declared);

    const chunks = [big.slice(0, 30_000), big.slice(30_000, 60_000), big.slice(60_000)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    const res = await fetch(`${server().baseUrl}/api/admin/credits/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `next-auth.session-token=${admin.sessionToken}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    assertErrorShape(await res.json());

    // Just under the limit is parsed normally (and fails validation as a 400, not 413).
    const under = JSON.stringify({ customerId: customer.id, amount: 1, description: 'y'.repeat(60 * 1024) });
    expect((await admin.post('/api/admin/credits/add', under)).status).toBe(400);
    expect(await balanceOf(customer.id)).toBe(3);
  });

  it("security headers on /login and on API responses (CSP frame-ancestors 'none', nosniff, Referrer-Policy)", async () => {
    const base = server().baseUrl;
    const responses = [
      await fetch(`${base}/login`),
      await fetch(`${base}/api/admin/customers`),
      await admin.get('/api/admin/customers'),
      await fetch(`${base}/api/health`),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 401, 200, 200]);
    for (const r of responses) {
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, r.url).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/default-src 'self'/);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
      expect(r.headers.get('x-powered-by')).toBeNull();
    }
    // API answers are never cached.
    expect(responses[2]!.headers.get('cache-control')).toMatch(/no-store/);
  });

  it('unauthenticated GET /admin redirects to /login?callbackUrl=%2Fadmin', async () => {
    const res = await fetch(`${server().baseUrl}/admin`, { redirect: 'manual' });
    expect([302, 303, 307, 308]).toContain(res.status);
    const location = new URL(res.headers.get('location')!, server().baseUrl);
    expect(location.origin).toBe(new URL(server().baseUrl).origin);
    expect(location.pathname).toBe('/login');
    expect(location.search).toBe('?callbackUrl=%2Fadmin');
    // Signed in, /admin renders.
    const page = await fetch(`${server().baseUrl}/admin`, { redirect: 'manual', headers: { cookie: `next-auth.session-token=${admin.sessionToken}` } });
    expect(page.status).toBe(200);
  });

  it('the login page never hands an off-site callbackUrl to the sign-in form', async () => {
    const base = server().baseUrl;
    /** The callbackUrl prop the server rendered into the login form (from the RSC payload). */
    async function renderedCallback(callbackUrl: string): Promise<string> {
      const html = await (await fetch(`${base}/login?callbackUrl=${encodeURIComponent(callbackUrl)}`)).text();
      const payload = [...html.matchAll(/self\.__next_f\.push\(\[1,("(?:[^"\\]|\\.)*")\]\)/g)]
        .map((m) => JSON.parse(m[1]!) as string)
        .join('');
      const m = /"callbackUrl":("(?:[^"\\]|\\.)*")/.exec(payload);
      expect(m, 'callbackUrl prop not found in the login page').toBeTruthy();
      return JSON.parse(m![1]!) as string;
    }
    expect(await renderedCallback('/admin?tab=users')).toBe('/admin?tab=users');
    const offSite: string[] = [];
    for (const evil of ['https://evil.example/', '//evil.example', '/\\evil.example', '/\t/evil.example', '\\\\evil.example']) {
      const target = await renderedCallback(evil);
      // Where a browser goes when the form navigates to this value from the login page.
      const resolved = new URL(target, `${base}/login`);
      if (resolved.origin !== new URL(base).origin) offSite.push(`${JSON.stringify(evil)} -> ${resolved.href}`);
    }
    expect(offSite, 'callbackUrl values that would send the browser off-site after sign-in').toEqual([]);
  });
});

describe('signed-out API calls', () => {
  it('every admin endpoint answers 401 { error, details } without a cookie', async () => {
    const anon = anonymous();
    for (const [method, path] of [
      ['GET', '/api/admin/customers'],
      ['POST', '/api/admin/customers'],
      ['GET', '/api/admin/customers/1'],
      ['PATCH', '/api/admin/customers/1'],
      ['GET', '/api/admin/users'],
      ['POST', '/api/admin/users'],
      ['GET', '/api/admin/users/1'],
      ['PATCH', '/api/admin/users/1'],
      ['POST', '/api/admin/credits/add'],
      ['GET', '/api/admin/credits/transactions'],
    ] as const) {
      const res = await anon.request(method, path, method === 'GET' ? undefined : {});
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(assertErrorShape(await res.json()).error).toBe('Unauthorized - Please sign in');
    }
  });
});
