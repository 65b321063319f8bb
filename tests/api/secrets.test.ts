/**
 * Secrets stay secret. Across a session of typical requests (sign-ins, every GET endpoint and page,
 * writes, and the usual errors):
 *   - no response body or header carries a password hash (`$argon2…`), the admin's or any user's
 *     password, the session-signing secret, or a session token (except the Set-Cookie that hands
 *     the token out at sign-in, and NextAuth's refreshed cookie on /api/auth/session);
 *   - error responses carry no stack trace and no SQL;
 *   - the server's log holds none of the passwords, no hash and no session token.
 * The shared server's NEXTAUTH_SECRET is random and unknown to the tests, so the same session also
 * runs against a server of this file's own, started with a known secret.
 * Finally `npm audit --omit=dev --audit-level=high` must pass (skipped when the registry's audit
 * endpoint can't be reached).
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { PASSWORD, server, testAddress } from '../support/api';
import { startServer, type RunningServer } from '../support/server';

interface Target {
  baseUrl: string;
  adminUsername: string;
  adminPassword: string;
  logFile: string;
  /** NEXTAUTH_SECRET, when this file chose it. */
  secret?: string;
}

interface Seen {
  what: string;
  status: number;
  body: string;
  headers: Array<[string, string]>;
  /** The response that hands out a session token (sign-in, session refresh): Set-Cookie may carry one. */
  issuesToken: boolean;
}

/** What one session against one server saw and which secrets it knows of. */
class Session {
  readonly seen: Seen[] = [];
  readonly passwords = new Map<string, string>();
  readonly tokens = new Set<string>();

  constructor(readonly target: Target) {
    this.passwords.set('admin password', target.adminPassword);
    this.passwords.set('shared test password', PASSWORD);
  }

  async fetch(what: string, pathOrUrl: string, init: RequestInit & { cookie?: string } = {}, issuesToken = false): Promise<Response & { text_: string }> {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    const res = await fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${this.target.baseUrl}${pathOrUrl}`, { redirect: 'manual', ...init, headers });
    const body = await res.text();
    for (const c of res.headers.getSetCookie()) {
      const token = /^next-auth\.session-token=([^;]+)/.exec(c)?.[1];
      if (token) this.tokens.add(token);
    }
    this.seen.push({ what, status: res.status, body, headers: [...res.headers], issuesToken });
    return Object.assign(res, { text_: body });
  }

  /** NextAuth's credentials flow; returns the session cookie header ('' when refused). */
  async signIn(username: string, password: string): Promise<string> {
    const csrf = await this.fetch(`GET /api/auth/csrf (${username})`, '/api/auth/csrf');
    const { csrfToken } = JSON.parse(csrf.text_) as { csrfToken: string };
    const jar = csrf.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const res = await this.fetch(
      `POST /api/auth/callback/credentials (${username})`,
      '/api/auth/callback/credentials',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': testAddress() },
        cookie: jar.join('; '),
        body: new URLSearchParams({ csrfToken, username, password }),
      },
      true,
    );
    const token = res.headers
      .getSetCookie()
      .map((c) => /^next-auth\.session-token=([^;]+)/.exec(c)?.[1])
      .find(Boolean);
    return token ? `next-auth.session-token=${token}` : '';
  }

  json(what: string, cookie: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.fetch(`${what}: ${method} ${p}`, p, {
      method,
      cookie,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  }
}

const strongPassword = () => `pw-${crypto.randomBytes(12).toString('base64url')}`;

/** Sign-ins, every GET endpoint and page, some writes and the usual errors, as each role. */
async function typicalSession(s: Session): Promise<void> {
  const t = s.target;
  const admin = await s.signIn(t.adminUsername, t.adminPassword);
  expect(admin, 'admin sign-in').not.toBe('');

  // A customer with credits, its CUSTOMER_ADMIN and USER, each with a password of its own.
  const { customer } = JSON.parse((await s.json('create customer', admin, 'POST', '/api/admin/customers', { name: unique('Secrets') })).text_);
  await s.json('add credits', admin, 'POST', '/api/admin/credits/add', { customerId: customer.id, amount: 50, description: 'Secrets test' }, { 'Idempotency-Key': unique('secret-key') });
  const users: Array<{ id: number; username: string; cookie: string }> = [];
  for (const role of ['CUSTOMER_ADMIN', 'USER'] as const) {
    const username = unique(role.toLowerCase());
    const password = strongPassword();
    s.passwords.set(`${role} password`, password);
    const created = await s.json(`create ${role}`, admin, 'POST', '/api/admin/users', { username, password, role, customerId: customer.id });
    expect(created.status).toBe(201);
    const { user } = JSON.parse(created.text_);
    users.push({ id: user.id, username, cookie: await s.signIn(username, password) });
  }
  const [ca, user] = users as [(typeof users)[0], (typeof users)[0]];
  expect(ca.cookie && user.cookie).toBeTruthy();

  // A password change: the new one is a secret too, and it works.
  const changed = strongPassword();
  s.passwords.set('changed password', changed);
  expect((await s.json('change password', admin, 'PATCH', `/api/admin/users/${user.id}`, { password: changed })).status).toBe(200);
  const userCookie = await s.signIn(user.username, changed);
  expect(userCookie).not.toBe('');

  // A look-up, so the history and the ledger have a usage row.
  await s.json('look-up', userCookie, 'POST', '/api/search', { query: 'blox' });

  // Every GET endpoint and page, as each role.
  const gets = [
    '/api/health',
    '/api/me',
    '/api/auth/session',
    '/api/auth/csrf',
    '/api/auth/providers',
    '/api/admin/customers',
    `/api/admin/customers/${customer.id}`,
    `/api/admin/customers/${customer.id}/credits`,
    '/api/admin/users',
    `/api/admin/users/${user.id}`,
    `/api/admin/users?customerId=${customer.id}`,
    '/api/admin/credits/transactions',
    `/api/admin/credits/transactions?customerId=${customer.id}`,
    '/api/admin/credits/transactions/export',
    '/api/search/history',
    '/',
    '/login',
    '/admin',
    `/admin/customers/${customer.id}`,
    '/search',
  ];
  for (const [who, cookie] of [['SUPER_ADMIN', admin], ['CUSTOMER_ADMIN', ca.cookie], ['USER', userCookie], ['anonymous', '']] as const) {
    for (const p of gets) {
      const issues = p === '/api/auth/session';
      await s.fetch(`${who}: GET ${p}`, p, { cookie }, issues);
    }
  }

  // The usual errors.
  await s.signIn(user.username, 'wrong password');
  await s.signIn('no-such-user', 'whatever-password');
  await s.json('401 garbage cookie', 'next-auth.session-token=garbage', 'GET', '/api/me');
  await s.json('401 tampered token', `${userCookie.slice(0, -4)}AAAA`, 'GET', '/api/admin/users');
  await s.json('403 USER on admin', userCookie, 'POST', '/api/admin/credits/add', { customerId: customer.id, amount: 1, description: 'x' });
  await s.json('403 other tenant', ca.cookie, 'GET', '/api/admin/customers/2000000000');
  await s.json('404 customer', admin, 'GET', '/api/admin/customers/2000000000');
  await s.json('404 user', admin, 'GET', '/api/admin/users/2000000000');
  await s.json('400 malformed JSON', admin, 'POST', '/api/admin/credits/add', '{"customerId": 1,');
  await s.json('400 validation', admin, 'POST', '/api/admin/users', { username: 'x', password: 'short', role: 'ROOT' });
  await s.json('400 bad query', admin, 'GET', '/api/admin/customers?sort=password_hash');
  await s.json('409 duplicate username', admin, 'POST', '/api/admin/users', { username: user.username, password: strongPassword(), role: 'USER', customerId: customer.id });
  await s.json('409 own role', admin, 'PATCH', `/api/admin/users/${(JSON.parse((await s.json('me', admin, 'GET', '/api/me')).text_) as any).user.id}`, { active: false });
  await s.json('413 large body', admin, 'POST', '/api/admin/customers', { name: 'x'.repeat(70_000) });
  await s.json('403 cross-site', admin, 'POST', '/api/admin/customers', { name: 'x' }, { origin: 'https://evil.example' });
  await s.json('405 method', admin, 'DELETE', `/api/admin/customers/${customer.id}`);
  await s.json('404 route', admin, 'GET', '/api/admin/nothing-here');
  await s.fetch('sign out', '/api/auth/signout', { method: 'POST', cookie: admin });
}

/** Every key of every object in a JSON body (none for other bodies). */
function jsonKeys(body: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [];
  }
  const keys: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        keys.push(k);
        walk(x);
      }
    }
  };
  walk(value);
  return keys;
}

/** Every leak in what the session saw, as readable lines. */
function leaks(s: Session): string[] {
  const found: string[] = [];
  const secrets: Array<[string, string]> = [...s.passwords];
  if (s.target.secret) secrets.push(['NEXTAUTH_SECRET', s.target.secret]);
  const tokens = [...s.tokens];
  for (const r of s.seen) {
    const where = `${r.what} (HTTP ${r.status})`;
    const check = (part: string, text: string, allowTokens: boolean) => {
      if (/\$argon2/i.test(text)) found.push(`${where}: password hash in ${part}`);
      if (/NEXTAUTH_SECRET|nextauth_secret|sessionSecret/.test(text)) found.push(`${where}: secret's name in ${part}`);
      for (const [label, value] of secrets) if (text.includes(value)) found.push(`${where}: ${label} in ${part}`);
      if (!allowTokens) for (const tok of tokens) if (text.includes(tok)) found.push(`${where}: a session token in ${part}`);
    };
    check('body', r.body, false);
    // A hash, secret or token field in any JSON object. (As plain text, "password_hash" may well be
    // some other suite's customer name; the $argon2 check above is the one that can't be fooled.)
    for (const key of jsonKeys(r.body)) if (/hash|secret|^(access|session)?_?token$/i.test(key)) found.push(`${where}: a "${key}" field in the body`);
    for (const [name, value] of r.headers) check(`header ${name}`, value, name === 'set-cookie' && r.issuesToken);
    if (r.status >= 400) {
      if (/\n\s*at\s+\S+.*:\d+:\d+/.test(r.body) || /node_modules|\.next\/server|webpack-internal/.test(r.body)) found.push(`${where}: stack trace in body`);
      if (/\b(SELECT|INSERT|UPDATE)\b[\s\S]*\b(FROM|INTO|SET)\b/.test(r.body) && r.status !== 404) found.push(`${where}: SQL in body`);
    }
  }
  return found;
}

function logLeaks(s: Session, log: string): string[] {
  const found: string[] = [];
  if (/\$argon2/i.test(log)) found.push('a password hash ($argon2…)');
  for (const [label, value] of s.passwords) if (log.includes(value)) found.push(label);
  if (s.target.secret && log.includes(s.target.secret)) found.push('NEXTAUTH_SECRET');
  for (const tok of s.tokens) if (log.includes(tok)) found.push(`session token ${tok.slice(0, 12)}…`);
  return found;
}

describe('the detectors', () => {
  it('find planted leaks (so a clean result means something)', () => {
    const s = new Session({ baseUrl: 'http://x', adminUsername: 'admin', adminPassword: 'admin-pass-123', logFile: '', secret: 'the-secret-value' });
    s.tokens.add('eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.token');
    const entry = (what: string, body: string, headers: Array<[string, string]> = [], issuesToken = false) =>
      s.seen.push({ what, status: 500, body, headers, issuesToken });
    entry('hash', '{"user":{"passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$abc"}}');
    entry('password', '{"error":"bad","details":"admin-pass-123"}');
    entry('secret', 'x', [['x-debug', 'the-secret-value']]);
    entry('token in body', '{"token":"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.token"}');
    entry('token in cookie, not at sign-in', '', [['set-cookie', 'next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.token']]);
    entry('stack', '{"error":"x","details":"Error: boom\n    at handler (/app/.next/server/chunks/1.js:1:2)"}');
    entry('token at sign-in is fine', '', [['set-cookie', 'next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.token']], true);
    const found = leaks(s).join('\n');
    for (const what of ['hash', 'password', 'secret', 'token in body', 'token in cookie, not at sign-in', 'stack', '"passwordHash" field']) expect(found).toContain(what);
    expect(found).not.toContain('token at sign-in is fine');
    expect(logLeaks(s, 'user admin signed in with admin-pass-123; $argon2id$…')).toEqual(['a password hash ($argon2…)', 'admin password']);
  });
});

describe('the shared server', () => {
  let s: Session;
  beforeAll(async () => {
    const srv = server();
    s = new Session({ baseUrl: srv.baseUrl, adminUsername: srv.adminUsername, adminPassword: srv.adminPassword, logFile: srv.logFile });
    await typicalSession(s);
  });

  it('a typical session saw many responses, including sign-ins that issued tokens', () => {
    expect(s.seen.length).toBeGreaterThan(90);
    expect(s.tokens.size).toBeGreaterThanOrEqual(4);
    expect(s.seen.filter((r) => r.status >= 400).length).toBeGreaterThan(20);
  });

  it('no response body or header carries a hash, a password, a session token or a stack trace', () => {
    expect(leaks(s)).toEqual([]);
  });

  it("the server log holds no password, no hash and no session token", () => {
    const log = fs.readFileSync(s.target.logFile, 'utf8');
    expect(log.length).toBeGreaterThan(0);
    expect(logLeaks(s, log)).toEqual([]);
  });
});

describe('a server of its own, with a known NEXTAUTH_SECRET', () => {
  let own: RunningServer | undefined;
  let s: Session;
  const secret = crypto.randomBytes(32).toString('base64url');

  beforeAll(async () => {
    own = await startServer({ NEXTAUTH_SECRET: secret, ROBLOX_USERS_API_URL: server().robloxUrl, ROBLOX_TIMEOUT_MS: '800' });
    s = new Session({ baseUrl: own.baseUrl, adminUsername: own.adminUsername, adminPassword: own.adminPassword, logFile: own.logFile, secret });
    await typicalSession(s);
  }, 180_000);
  afterAll(async () => {
    await own?.stop();
  });

  it('no response carries the secret (or anything else secret)', () => {
    expect(s.seen.length).toBeGreaterThan(90);
    expect(leaks(s)).toEqual([]);
  });

  it('the log holds neither the secret nor any password, hash or token', () => {
    expect(logLeaks(s, own!.output())).toEqual([]);
  });
});

describe('dependencies', () => {
  it('npm audit --omit=dev --audit-level=high exits 0', async (ctx) => {
    const root = path.resolve(__dirname, '../..');
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('npm', ['audit', '--omit=dev', '--audit-level=high'], { cwd: root, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({ code, out: `${stdout}\n${stderr}` });
      });
    });
    const unreachable =
      /audit endpoint returned an error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|network|Method Not Allowed|request to \S+ failed|403 Forbidden|offline/i;
    if (result.code !== 0 && unreachable.test(result.out) && !/found \d+ vulnerabilit/i.test(result.out)) {
      const line = result.out.split('\n').find((l) => unreachable.test(l))?.trim();
      ctx.skip(`npm audit could not reach the registry's audit endpoint (${line}); run it where the registry is reachable`);
    }
    expect(result.code, result.out).toBe(0);
  }, 150_000);
});
