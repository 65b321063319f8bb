/**
 * The sign-in limits: paid for before the password is checked, keyed on the account a spelling
 * reaches, and with a budget of its own for a browser that signed in before (device cookie), so
 * strangers can't lock its owner out. On a server of this file's own (5 attempts per account, 25
 * per address, a 2-minute window: a burst is inside one window however busy the machine is;
 * TRUSTED_PROXIES=127.0.0.1, so X-Forwarded-For names the client), and the window's end on the
 * shared test server (8-second window).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { asCookie, attempt, burst, inTurn, prepare, prepared, sleep } from '../support/auth';
import { auditEvents } from '../support/audit';
import { PASSWORD, server, superAdmin, tenant, testAddress } from '../support/api';
import { ApiClient } from '../support/http-client';
import { startServer, type RunningServer } from '../support/server';

const LIMIT = 5;
let srv: RunningServer;
let admin: ApiClient;
beforeAll(async () => {
  srv = await startServer({ LOGIN_RATE_LIMIT_ATTEMPTS: String(LIMIT), LOGIN_RATE_LIMIT_WINDOW_SECONDS: '120', TRUSTED_PROXIES: '127.0.0.1' });
  admin = new ApiClient(srv.baseUrl);
  await admin.signIn(srv.adminUsername, srv.adminPassword);
}, 120_000);
afterAll(async () => {
  await srv?.stop();
});

/** A CUSTOMER_ADMIN of a customer of its own (so the customer's audit log holds only this test's events). */
async function victim(name = unique('victim')) {
  const { customer } = await tenant(admin);
  const { user } = await admin.expectJson(
    admin.post('/api/admin/users', { username: name, password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: customer.id }),
    201,
  );
  return { customer, user, username: user.username as string };
}

/** How many passwords the server checked for this customer's accounts: every check leaves an event. */
async function passwordsChecked(customerId: number): Promise<number> {
  const failed = await auditEvents(admin, { customerId, action: 'auth.sign_in_failed' });
  const succeeded = await auditEvents(admin, { customerId, action: 'auth.sign_in' });
  return failed.length + succeeded.length;
}

const base = () => srv.baseUrl;

describe('defect 1: an attempt is paid for before its password is checked', () => {
  it('40 parallel wrong passwords for one account: at most LOGIN_RATE_LIMIT_ATTEMPTS are checked, the rest are 429', async () => {
    const { customer, username } = await victim();
    // Each from its own address, so only the account's budget can stop them.
    const results = await burst(40, (i) => prepare(base(), username, `wrong password ${i}`, { headers: { 'x-forwarded-for': testAddress() } }));
    const checked = results.filter((r) => r.status !== 429);
    expect(checked.length, `answers: ${results.map((r) => r.status).join(',')}`).toBeLessThanOrEqual(LIMIT);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(40 - LIMIT);
    expect(results.every((r) => r.sessionToken === undefined)).toBe(true);
    expect(await passwordsChecked(customer.id)).toBeLessThanOrEqual(LIMIT);
    // The budget ran out once, and that was recorded once, not once per refused attempt.
    expect((await auditEvents(admin, { customerId: customer.id, action: 'auth.sign_in_blocked' })).length).toBe(1);
  }, 60_000);

  it('the right password among 40 parallel attempts signs in only if it was among the checked ones', async () => {
    const { customer, username } = await victim();
    const at = Math.floor(Math.random() * 40);
    const results = await burst(40, (i) =>
      prepare(base(), username, i === at ? PASSWORD : `wrong password ${i}`, { headers: { 'x-forwarded-for': testAddress() } }),
    );
    expect(results.filter((r) => r.status !== 429).length).toBeLessThanOrEqual(LIMIT);
    const signedIn = results.filter((r) => r.sessionToken);
    expect(signedIn.length).toBeLessThanOrEqual(1);
    if (signedIn.length === 1) expect(results[at]!.sessionToken).toBeTruthy();
    expect(await passwordsChecked(customer.id)).toBeLessThanOrEqual(LIMIT);
  }, 60_000);
});

describe('defect 2: every spelling that reaches an account counts against that account', () => {
  it('İ (U+0130), upper case and padded spellings never get a budget of their own', async () => {
    const { customer, username } = await victim(unique('limit-victim'));
    const address = () => ({ 'x-forwarded-for': testAddress() });
    const spellings = [
      username,
      username.replace('i', '\u0130'),
      username.toUpperCase().replace('I', '\u0130'),
      `  ${username.toUpperCase()} `,
      username.replace(/i/g, '\u0130'),
      username.replace('i', 'I\u0307'),
    ];
    // Every spelling guesses a full budget's worth, then tries the right password: all in one window.
    const [, right] = await inTurn(
      await prepared(spellings.length * LIMIT, (i) => prepare(base(), spellings[i % spellings.length]!, `wrong ${i}`, { headers: address() })),
      await Promise.all(spellings.map((s) => prepare(base(), s, PASSWORD, { headers: address() }))),
    );
    // None of them gets past the account's budget with the right password …
    right.forEach((r, i) => expect(r.sessionToken, `${JSON.stringify(spellings[i])} signed in past the limit`).toBeUndefined());
    // … and however many spellings, no more than one budget of passwords was checked against it.
    expect(await passwordsChecked(customer.id)).toBeLessThanOrEqual(LIMIT);
  }, 60_000);

  it('a spelling with a non-ASCII letter reaches no account at all, even with the right password', async () => {
    const { username } = await victim(unique('dotted-i'));
    const r = await attempt(base(), username.replace('i', '\u0130'), PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(r.sessionToken).toBeUndefined();
    const plain = await attempt(base(), username.toUpperCase(), PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(plain.sessionToken).toBeTruthy();
  });
});

describe("defect 5: strangers can't lock the owner out", () => {
  it("a browser that signed in before keeps its own budget: 5 strangers' failures lock unknown clients, not it", async () => {
    const { username } = await victim();
    const first = await attempt(base(), username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(first.sessionToken).toBeTruthy();
    expect(first.deviceCookie).toBeTruthy();
    expect(first.deviceCookie).toMatch(/HttpOnly/i);
    expect(first.deviceCookie).toMatch(/SameSite=Strict/i);
    expect(first.deviceCookie).toMatch(/Path=\//);
    expect(first.deviceCookie).toMatch(/Max-Age=\d{7,}/);
    const device = asCookie(first.deviceCookie!);

    const stranger = testAddress();
    const [, [unknown, owner]] = await inTurn(await prepared(LIMIT, (i) => prepare(base(), username, `guess ${i}`, { headers: { 'x-forwarded-for': stranger } })), [
      await prepare(base(), username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } }),
      await prepare(base(), username, PASSWORD, { headers: { 'x-forwarded-for': testAddress(), cookie: device } }),
    ]);
    // An unknown client (a new browser, another address) is locked out …
    expect(unknown!.status).toBe(429);
    // … the owner's browser is not, from any address.
    expect(owner!.status, owner!.body).toBeLessThan(400);
    expect(owner!.sessionToken).toBeTruthy();
    // Each sign-in gives the browser a fresh cookie.
    expect(owner!.deviceCookie).toBeTruthy();
    expect(asCookie(owner!.deviceCookie!)).not.toBe(device);
  }, 30_000);

  it('a device cookie has a budget of its own (5 failures lock that browser), and is worth nothing for another account', async () => {
    const a = await victim();
    const b = await victim();
    const signedIn = await attempt(base(), a.username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    const device = asCookie(signedIn.deviceCookie!);
    const from = (cookie?: string) => ({ headers: { 'x-forwarded-for': testAddress(), ...(cookie ? { cookie } : {}) } });
    const forged = device.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const [failures, [ownLocked, bLocked, forgedLocked]] = await inTurn(
      [
        ...(await prepared(LIMIT, (i) => prepare(base(), a.username, `typo ${i}`, from(device)))),
        // A's cookie spends B's budget for unknown clients, like no cookie at all.
        ...(await prepared(LIMIT, (i) => prepare(base(), b.username, `guess ${i}`, from(device)))),
        ...(await prepared(LIMIT, (i) => prepare(base(), a.username, `stranger ${i}`, from()))),
      ],
      [
        await prepare(base(), a.username, PASSWORD, from(device)),
        await prepare(base(), b.username, PASSWORD, from(device)),
        // An altered cookie is no device cookie: it gets the (exhausted) budget of unknown clients.
        await prepare(base(), a.username, PASSWORD, from(forged)),
      ],
    );
    expect(failures.every((r) => r.status !== 429)).toBe(true);
    expect([ownLocked!.status, bLocked!.status, forgedLocked!.status]).toEqual([429, 429, 429]);
  }, 30_000);

  it('attempts without a CSRF token are not sign-in attempts: they lock nobody out', async () => {
    const { customer, username } = await victim();
    const address = testAddress();
    for (let i = 0; i < 3 * LIMIT; i++) {
      const r = await attempt(base(), username, `no csrf ${i}`, { noCsrf: true, headers: { 'x-forwarded-for': address } });
      expect(r.status, r.body).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ error: 'Invalid CSRF token', code: 'forbidden' });
    }
    expect(await passwordsChecked(customer.id)).toBe(0);
    const owner = await attempt(base(), username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
    expect(owner.sessionToken).toBeTruthy();
  });

  it('X-Forwarded-For through trusted proxies: the client is the nearest untrusted hop', async () => {
    const address = testAddress();
    // "<forged>, <client>" as a trusted proxy appends it: the forged entries differ every time,
    // the client is the same, so the address budget (25) runs out for it.
    const { username } = await victim();
    const [, [blocked]] = await inTurn(
      await prepared(5 * LIMIT, () => prepare(base(), unique('spray'), 'wrong', { headers: { 'x-forwarded-for': `${testAddress()}, ${address}` } })),
      [await prepare(base(), username, PASSWORD, { headers: { 'x-forwarded-for': `${testAddress()}, ${address}` } })],
    );
    expect(blocked!.status).toBe(429);
    const elsewhere = await attempt(base(), username, PASSWORD, { headers: { 'x-forwarded-for': `${address}, ${testAddress()}` } });
    expect(elsewhere.sessionToken).toBeTruthy();
  }, 30_000);

});

describe('the window (shared test server: 5 attempts per 8 seconds)', () => {
  it('failures age out with the window; a success refunds its own attempt', async () => {
    const main = await superAdmin();
    const { customer } = await tenant(main);
    const { user } = await main.expectJson(
      main.post('/api/admin/users', { username: unique('window'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    );
    const username = user.username as string;
    const address = testAddress();
    for (let i = 0; i < LIMIT - 1; i++) await attempt(server().baseUrl, username, `wrong ${i}`, { headers: { 'x-forwarded-for': address } });
    // Successes don't use up the budget: many in a row still leave the last attempt for a typo.
    for (let i = 0; i < 2; i++) expect((await attempt(server().baseUrl, username, PASSWORD, { headers: { 'x-forwarded-for': address } })).sessionToken).toBeTruthy();
    expect((await attempt(server().baseUrl, username, 'one more typo', { headers: { 'x-forwarded-for': address } })).status).not.toBe(429);
    expect((await attempt(server().baseUrl, username, PASSWORD, { headers: { 'x-forwarded-for': address } })).status).toBe(429);
    await sleep(8_500);
    expect((await attempt(server().baseUrl, username, PASSWORD, { headers: { 'x-forwarded-for': address } })).sessionToken).toBeTruthy();
  }, 30_000);
});
