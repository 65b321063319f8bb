/**
 * Two-factor sign-in (item 10): enrolment through /api/me/2fa/setup and /enable, sign-in with the
 * credentials provider's `totp` field (a current code or a recovery code), codes good once, code
 * guesses paid for like password guesses, and turning it off.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { attempt, burstThen, clientWith, prepare, prepared, totpCode } from '../support/auth';
import { auditEvents } from '../support/audit';
import { assertExactErrorShape, PASSWORD, server, superAdmin, tenant, testAddress, type ApiClient } from '../support/api';

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

const base = () => server().baseUrl;
const from = () => ({ 'x-forwarded-for': testAddress() });

/** A new CUSTOMER_ADMIN, signed in, with two-factor sign-in turned on. */
async function enrolled() {
  const { customer } = await tenant(admin);
  const { user } = await admin.expectJson(
    admin.post('/api/admin/users', { username: unique('totp'), password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: customer.id }),
    201,
  );
  const first = await attempt(base(), user.username, PASSWORD, { headers: from() });
  const me = clientWith(base(), first.sessionToken!);
  const setup = await me.expectJson(me.post('/api/me/2fa/setup'), 200);
  const { recoveryCodes } = await me.expectJson(me.post('/api/me/2fa/enable', { code: await totpCode(setup.secret) }), 200);
  return { customer, user, username: user.username as string, me, secret: setup.secret as string, recoveryCodes: recoveryCodes as string[] };
}

describe('enrolment', () => {
  it('setup → { secret, otpauthUrl }; enable with a current code → 10 distinct recovery codes; nothing secret is logged', async () => {
    const { customer } = await tenant(admin);
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('enrol'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    );
    const me = clientWith(base(), (await attempt(base(), user.username, PASSWORD, { headers: from() })).sessionToken!);
    expect(await me.expectJson(me.get('/api/me/2fa'), 200)).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0, required: false });
    const setup = await me.expectJson(me.post('/api/me/2fa/setup'), 200);
    expect(Object.keys(setup).sort()).toEqual(['otpauthUrl', 'secret']);
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(setup.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe(`/roblox-tool:${user.username}`);
    expect(url.searchParams.get('secret')).toBe(setup.secret);
    expect(url.searchParams.get('issuer')).toBe('roblox-tool');

    // A wrong code is refused and enables nothing.
    const wrong = assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/enable', { code: '000000' }), 400));
    expect(wrong.error).toBe('Invalid code');
    assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/enable', { code: 12345 }), 400));
    expect((await me.expectJson(me.get('/api/me/2fa'), 200)).enabled).toBe(false);

    const { recoveryCodes } = await me.expectJson(me.post('/api/me/2fa/enable', { code: await totpCode(setup.secret) }), 200);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
    expect(await me.expectJson(me.get('/api/me/2fa'), 200)).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    // Set-up again while it is on: 409, the secret stays.
    assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/setup'), 409));

    const events = await auditEvents(admin, { customerId: customer.id, action: 'two_factor.enabled' });
    expect(events).toHaveLength(1);
    const all = JSON.stringify(await auditEvents(admin, { customerId: customer.id }));
    expect(all).not.toContain(setup.secret);
    for (const c of recoveryCodes) expect(all).not.toContain(c);
  });

  it('enable without a set-up in progress is 409', async () => {
    const { customer } = await tenant(admin);
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('nosetup'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    );
    const me = clientWith(base(), (await attempt(base(), user.username, PASSWORD, { headers: from() })).sessionToken!);
    assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/enable', { code: '123456' }), 409));
  });
});

describe('signing in with a second factor', () => {
  it('without a code: no session; the JSON answer says a code is needed, a form post is sent back with ?error=TotpRequired', async () => {
    const { username } = await enrolled();
    const asJson = await attempt(base(), username, PASSWORD, { json: true, headers: from() });
    expect(asJson.status).toBe(401);
    expect(asJson.sessionToken).toBeUndefined();
    expect(assertExactErrorShape(asJson.json)).toMatchObject({ error: 'Two-factor code required', code: 'totp_required' });
    const asForm = await attempt(base(), username, PASSWORD, { headers: from() });
    expect(asForm.sessionToken).toBeUndefined();
    expect(asForm.res.headers.get('location')).toMatch(/error=TotpRequired/);
    // A wrong password never gets as far as asking for the code.
    const wrong = await attempt(base(), username, 'not the password', { json: true, headers: from() });
    expect(wrong.json).toMatchObject({ code: 'invalid_credentials' });
  });

  it('a current code signs in once: the same code (or an older one) is refused afterwards', async () => {
    const { username, secret } = await enrolled();
    // Enabling spent the current step's code already.
    const now = await totpCode(secret);
    const spent = await attempt(base(), username, PASSWORD, { totp: now, json: true, headers: from() });
    expect(spent.sessionToken).toBeUndefined();
    expect(spent.json).toMatchObject({ code: 'totp_invalid' });
    const next = await totpCode(secret, 1);
    const ok = await attempt(base(), username, PASSWORD, { totp: next, headers: from() });
    expect(ok.sessionToken, ok.body).toBeTruthy();
    const me = clientWith(base(), ok.sessionToken!);
    await me.expectJson(me.get('/api/me'), 200);
    for (const code of [next, now]) {
      const replay = await attempt(base(), username, PASSWORD, { totp: code, json: true, headers: from() });
      expect(replay.sessionToken, `code ${code} worked twice`).toBeUndefined();
    }
  });

  it('two parallel sign-ins with one code: at most one session', async () => {
    const { username, secret } = await enrolled();
    const code = await totpCode(secret, 1);
    const results = await Promise.all([1, 2, 3].map(() => attempt(base(), username, PASSWORD, { totp: code, headers: from() })));
    expect(results.filter((r) => r.sessionToken).length).toBeLessThanOrEqual(1);
  });

  it('a recovery code signs in exactly once (any case, with or without dashes), and the log says so', async () => {
    const { customer, username, recoveryCodes } = await enrolled();
    const code = recoveryCodes[3]!;
    const ok = await attempt(base(), username, PASSWORD, { totp: ` ${code.toUpperCase().replace(/-/g, '')} `, headers: from() });
    expect(ok.sessionToken, ok.body).toBeTruthy();
    const again = await attempt(base(), username, PASSWORD, { totp: code, json: true, headers: from() });
    expect(again.sessionToken).toBeUndefined();
    const me = clientWith(base(), ok.sessionToken!);
    expect((await me.expectJson(me.get('/api/me/2fa'), 200)).recoveryCodesLeft).toBe(9);
    const [used] = await auditEvents(admin, { customerId: customer.id, action: 'two_factor.recovery_code_used' });
    expect(used.after).toEqual({ remaining: 9 });
  });

  it('wrong codes count against the sign-in limit: after 5, even the right code is 429', async () => {
    const { username, secret } = await enrolled();
    const [wrong, [locked]] = await burstThen(
      await prepared(5, (i) => prepare(base(), username, PASSWORD, { totp: String(100000 + i), json: true, headers: from() })),
      [await prepare(base(), username, PASSWORD, { totp: await totpCode(secret, 1), headers: from() })],
    );
    expect(wrong.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(locked!.status).toBe(429);
    expect(locked!.sessionToken).toBeUndefined();
  });
});

describe('turning it off', () => {
  it('needs a valid code; then signing in needs the password alone', async () => {
    const { customer, username, me, recoveryCodes } = await enrolled();
    assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/disable', { code: '000000' }), 400));
    assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/disable', {}), 400));
    expect(await me.expectJson(me.post('/api/me/2fa/disable', { code: recoveryCodes[0] }), 200)).toEqual({ enabled: false });
    expect((await me.expectJson(me.get('/api/me/2fa'), 200)).enabled).toBe(false);
    const plain = await attempt(base(), username, PASSWORD, { headers: from() });
    expect(plain.sessionToken).toBeTruthy();
    assertExactErrorShape(await me.expectJson(me.post('/api/me/2fa/disable', { code: recoveryCodes[1] }), 409));
    expect(await auditEvents(admin, { customerId: customer.id, action: 'two_factor.disabled' })).toHaveLength(1);
  });

  it('code guesses to turn it off are paid for like sign-in attempts', async () => {
    const { me, secret } = await enrolled();
    for (let i = 0; i < 5; i++) await me.expectJson(me.post('/api/me/2fa/disable', { code: String(200000 + i) }), 400);
    const limited = await me.post('/api/me/2fa/disable', { code: await totpCode(secret, 1) });
    expect(limited.status).toBe(429);
    expect((await me.expectJson(me.get('/api/me/2fa'), 200)).enabled).toBe(true);
  });
});
