/**
 * Classic SQL injection strings in every text field, search box, header and sign-in field of the API.
 *
 *   - A field that accepts text stores the string verbatim (read back and compared); one that
 *     doesn't answers a 4xx `{ error, details }`. Never a 5xx.
 *   - A search for an injection string finds only rows that really contain it.
 *   - Afterwards the tables are intact: counts sane, the ledger chain whole, a normal request works.
 *   - No response ever carries a password hash (`$argon2…`) or the `password_hash` column name
 *     (other than where a response echoes the very text we stored).
 */
import net from 'node:net';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import {
  assertExactErrorShape,
  ledgerSnapshot,
  PASSWORD,
  server,
  signedIn,
  signInAttempt,
  superAdmin,
  tenant,
  testAddress,
  type ApiClient,
} from '../support/api';

const PAYLOADS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  "'; DROP TABLE credit_transactions; --",
  "'); DROP TABLE users; --",
  "1; DELETE FROM customers WHERE 1=1; --",
  "'; UPDATE customer_credits SET balance = 999999; --",
  "%' OR '1'='1",
  "' OR 'a' LIKE '%",
  '\\',
  "\\'",
  "\\'; DROP TABLE searches; --",
  '$1',
  '$1 OR $2',
  '$$; DROP TABLE users; $$',
  ') UNION SELECT password_hash FROM users --',
  "' UNION SELECT id, username, password_hash FROM users --",
  "'; SELECT pg_sleep(10); --",
  "admin'--",
  '" OR ""="',
  '%',
  '_',
  '%%',
  '*/ OR /*',
  "E'\\x27 OR 1=1'",
  "'||(SELECT password_hash FROM users LIMIT 1)||'",
  '; COPY users TO PROGRAM \'id\'; --',
] as const;

/** PostgreSQL text can't hold U+0000: fields must refuse it with a 4xx (they can't store it). */
const NUL_PAYLOADS = ['\u0000', "admin\u0000' OR 1=1 --"] as const;

const ALL = [...PAYLOADS, ...NUL_PAYLOADS];
const hasNul = (s: string) => s.includes('\u0000');

let admin: ApiClient;
let adminName: string;
/** Customer whose ledger the descriptions and idempotency keys go to. */
let ledger: { id: number };
/** A USER with credits, for look-ups. */
let searcher: ApiClient;
let searcherCustomer: { id: number };
/** Customer to create users in. */
let seats: { id: number };

beforeAll(async () => {
  admin = await superAdmin();
  adminName = server().adminUsername;
  ledger = (await tenant(admin)).customer;
  seats = (await tenant(admin, { maxUsers: 1_000 })).customer;
  const s = await tenant(admin, { credits: 500 });
  searcherCustomer = s.customer;
  searcher = (await s.makeUser('USER')).client;
});

// ---------------------------------------------------------------------------------------------

/** Every response this file sees, for the final no-leak check. */
const seen: Array<{ what: string; text: string; headers: string }> = [];

/** The body must not carry a hash, nor the column name, except inside an echo of our own payloads. */
function assertNoSecrets(what: string, text: string): void {
  expect(text, `${what}: password hash in the response`).not.toMatch(/\$argon2/i);
  let rest = text;
  for (const p of ALL) {
    for (const form of [p, JSON.stringify(p).slice(1, -1), p.replaceAll('"', '""')]) rest = rest.split(form).join('');
  }
  expect(rest, `${what}: "password_hash" in the response`).not.toMatch(/password_hash/i);
}

interface Answer {
  status: number;
  text: string;
  body: any;
}

async function call(client: ApiClient, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> {
  const res = await client.request(method, path, body, headers);
  const text = await res.text();
  const what = `${method} ${path}`;
  seen.push({ what, text, headers: JSON.stringify([...res.headers]) });
  assertNoSecrets(what, text);
  expect(res.status, `${what} ${JSON.stringify(body)} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.status >= 400) assertExactErrorShape(parsed);
  return { status: res.status, text, body: parsed };
}

/** Stored verbatim (read back equal) where the field takes text; a 4xx where it can't. */
function expectStoredOrRefused(a: Answer, payload: string, what: string): boolean {
  if (hasNul(payload)) {
    expect(a.status, `${what}: U+0000 can't be stored, so it must be refused`).toBeGreaterThanOrEqual(400);
    return false;
  }
  expect(a.status, `${what} → ${a.status} ${a.text.slice(0, 200)}`).toBeLessThan(300);
  return true;
}

const q = encodeURIComponent;

// ---------------------------------------------------------------------------------------------

describe('customer fields: name, contactEmail, logoUrl', () => {
  const created = new Map<string, number>();

  it.each(ALL.map((p) => [p]))('name %j is stored verbatim (U+0000: refused)', async (payload) => {
    const a = await call(admin, 'POST', '/api/admin/customers', { name: payload });
    if (!expectStoredOrRefused(a, payload, `POST /api/admin/customers name=${JSON.stringify(payload)}`)) return;
    const { customer } = (await call(admin, 'GET', `/api/admin/customers/${a.body.customer.id}`)).body;
    expect(customer.name).toBe(payload.trim());
    created.set(payload, customer.id);
  });

  it.each(ALL.map((p) => [p]))('PATCH name %j is stored verbatim (U+0000: refused)', async (payload) => {
    const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: unique('Patched') }), 201);
    const a = await call(admin, 'PATCH', `/api/admin/customers/${customer.id}`, { name: payload });
    const after = (await call(admin, 'GET', `/api/admin/customers/${customer.id}`)).body.customer;
    if (!expectStoredOrRefused(a, payload, `PATCH name=${JSON.stringify(payload)}`)) {
      expect(after.name).toBe(customer.name);
      return;
    }
    expect(after.name).toBe(payload.trim());
  });

  it.each(ALL.map((p) => [p]))('contactEmail with %j: a valid-looking address is kept verbatim, anything else is a 400', async (payload) => {
    for (const email of [payload, `${payload.replace(/[\s]/g, '')}@example.com`, `x@example.com${payload}`]) {
      const a = await call(admin, 'POST', '/api/admin/customers', { name: unique('Mail'), contactEmail: email });
      const what = `contactEmail=${JSON.stringify(email)}`;
      if (a.status < 300) {
        expect(hasNul(email), `${what} was accepted`).toBe(false);
        const { customer } = (await call(admin, 'GET', `/api/admin/customers/${a.body.customer.id}`)).body;
        expect(customer.contactEmail, what).toBe(email.trim());
      } else {
        expect(a.status, what).toBe(400);
      }
    }
  });

  it.each(ALL.map((p) => [p]))('logoUrl carrying %j (encoded and raw): kept verbatim or a 400', async (payload) => {
    for (const url of [`https://example.com/logo.png?q=${q(payload)}`, `https://example.com/${payload}`]) {
      const a = await call(admin, 'POST', '/api/admin/customers', { name: unique('Logo'), logoUrl: url });
      const what = `logoUrl=${JSON.stringify(url)}`;
      if (a.status < 300) {
        expect(hasNul(url), `${what} was accepted`).toBe(false);
        const { customer } = (await call(admin, 'GET', `/api/admin/customers/${a.body.customer.id}`)).body;
        expect(customer.logoUrl, what).toBe(url.trim());
      } else {
        expect(a.status, what).toBe(400);
      }
    }
  });

  it('searching customers for each payload finds exactly the customers whose name contains it', async () => {
    for (const payload of PAYLOADS) {
      const term = payload.trim();
      const a = await call(admin, 'GET', `/api/admin/customers?search=${q(payload)}&pageSize=100`);
      expect(a.status).toBe(200);
      for (const c of a.body.items) {
        expect(c.name.toLowerCase().includes(term.toLowerCase()) || String(c.id) === term, `${JSON.stringify(payload)} matched ${JSON.stringify(c.name)}`).toBe(true);
      }
      // The customer named exactly this payload is found (if that test created it).
      const id = created.get(payload);
      if (id !== undefined && a.body.total <= 100) expect(a.body.items.map((c: { id: number }) => c.id)).toContain(id);
      // A search is never "everything": the filter held.
      const all = await call(admin, 'GET', '/api/admin/customers?pageSize=1');
      if (!['%', '_', '%%'].includes(payload)) expect(a.body.total).toBeLessThan(all.body.total);
    }
  });
});

describe('users: usernames and passwords', () => {
  it.each(ALL.map((p) => [p]))('username %j is refused with a 400 and no such user appears', async (payload) => {
    const a = await call(admin, 'POST', '/api/admin/users', { username: payload, password: PASSWORD, role: 'USER', customerId: seats.id });
    expect(a.status).toBe(400);
    expect(a.body.details).toHaveProperty('username');
    const list = await call(admin, 'GET', `/api/admin/users?customerId=${seats.id}&pageSize=100`);
    expect(list.body.items.map((u: { username: string }) => u.username)).not.toContain(payload.trim());
  });

  it.each(NUL_PAYLOADS.map((p) => [p]))('password %j (U+0000, which no text column can hold) is refused with a 400 and no user is made', async (payload) => {
    const username = unique('inj');
    const created = await call(admin, 'POST', '/api/admin/users', { username, password: `pw-${payload}-pw!`, role: 'USER', customerId: seats.id });
    expect(created.status).toBe(400);
    expect(Object.keys(created.body).sort()).toEqual(['code', 'details', 'error']);
    const list = await call(admin, 'GET', `/api/admin/users?search=${q(username)}`);
    expect(list.body.total).toBe(0);
  });

  it.each(PAYLOADS.map((p) => [p]))('password %j is stored as given: the user signs in with exactly it, and not with a variant', async (payload) => {
    const password = `pw-${payload}-pw!`;
    const username = unique('inj');
    const created = await call(admin, 'POST', '/api/admin/users', { username, password, role: 'USER', customerId: seats.id });
    expect(created.status).toBe(201);
    const signIn = (pw: string) => signInAttempt(username, pw, { headers: { 'x-forwarded-for': testAddress() } });
    const ok = await signIn(password);
    expect(ok.sessionToken, `sign-in with the password ${JSON.stringify(password)}`).toBeTruthy();
    assertNoSecrets('sign-in', ok.body);
    expect((await signIn(`pw-${payload}-pw`)).sessionToken).toBeUndefined();

    // Changed through PATCH, the new one works the same way and the old one no longer does.
    const next = `${payload}${payload}-again!`.padEnd(8, '#');
    const patched = await call(admin, 'PATCH', `/api/admin/users/${created.body.user.id}`, { password: next });
    expect(patched.status).toBe(200);
    expect((await signIn(next)).sessionToken).toBeTruthy();
    expect((await signIn(password)).sessionToken).toBeUndefined();
  });

  it('searching users for the injection strings returns only usernames containing them (usually none)', async () => {
    for (const payload of PAYLOADS) {
      const a = await call(admin, 'GET', `/api/admin/users?search=${q(payload)}&pageSize=100`);
      expect(a.status, `users?search=${JSON.stringify(payload)}`).toBe(200);
      for (const u of a.body.items) expect(u.username.toLowerCase()).toContain(payload.trim().toLowerCase());
    }
  });

  it('searching users for U+0000 is a 400 in the error shape', async () => {
    for (const payload of NUL_PAYLOADS) {
      const a = await call(admin, 'GET', `/api/admin/users?search=${q(payload)}&pageSize=100`);
      expect(a.status, `users?search=${JSON.stringify(payload)}`).toBe(400);
      expect(Object.keys(a.body).sort()).toEqual(['code', 'details', 'error']);
    }
  });
});

describe('credit descriptions', () => {
  it.each(ALL.map((p) => [p]))('description %j is recorded verbatim in the audit trail (U+0000: refused, nothing credited)', async (payload) => {
    const before = await ledgerSnapshot(admin, ledger.id);
    const a = await call(admin, 'POST', '/api/admin/credits/add', { customerId: ledger.id, amount: 3, description: payload });
    const after = await ledgerSnapshot(admin, ledger.id);
    if (!expectStoredOrRefused(a, payload, `description=${JSON.stringify(payload)}`)) {
      expect(after).toEqual(before);
      return;
    }
    const expected = `[ADMIN] ${payload.trim()} (Added by: ${adminName})`;
    expect(a.body.transaction.description).toBe(expected);
    expect(after.balance).toBe(before.balance + 3);
    expect(after.transactions).toBe(before.transactions + 1);
    const list = await call(admin, 'GET', `/api/admin/credits/transactions?customerId=${ledger.id}&pageSize=1`);
    expect(list.body.items[0]).toMatchObject({ id: a.body.transaction.id, description: expected, amount: 3 });
  });
});

describe('query parameters of every list endpoint', () => {
  it.each(ALL.map((p) => [p]))('%j in every parameter: 200 with honest results, or a 400', async (payload) => {
    const v = q(payload);
    // Free-text parameters: 200 (nothing or only real matches); U+0000 may be a 400 but never a 500.
    const texts = [
      `/api/admin/credits/transactions?username=${v}`,
      `/api/admin/credits/transactions?customerId=${ledger.id}&username=${v}`,
    ];
    for (const path of texts) {
      const a = await call(admin, 'GET', path);
      if (a.status === 200) expect(a.body.total, path).toBe(0);
      else expect(a.status, path).toBe(400);
    }
    const csv = await admin.get(`/api/admin/credits/transactions/export?username=${v}`);
    const csvText = await csv.text().catch((err: Error) => `<stream failed: ${err.message}>`);
    expect(csv.status, `export?username=${JSON.stringify(payload)} → ${csvText.slice(0, 200)}`).toBeLessThan(500);
    if (csv.status === 200) expect(csvText.trim().split('\n'), `export?username=${JSON.stringify(payload)}`).toHaveLength(1);
    assertNoSecrets('export', csvText);

    // Typed parameters: a 400 naming the parameter.
    const typed: Array<[string, string]> = [
      ['/api/admin/customers', 'sort'],
      ['/api/admin/customers', 'order'],
      ['/api/admin/customers', 'status'],
      ['/api/admin/customers', 'page'],
      ['/api/admin/customers', 'pageSize'],
      ['/api/admin/users', 'sort'],
      ['/api/admin/users', 'role'],
      ['/api/admin/users', 'active'],
      ['/api/admin/users', 'customerId'],
      ['/api/admin/credits/transactions', 'customerId'],
      ['/api/admin/credits/transactions', 'userId'],
      ['/api/admin/credits/transactions', 'type'],
      ['/api/admin/credits/transactions', 'source'],
      ['/api/admin/credits/transactions', 'from'],
      ['/api/admin/credits/transactions', 'to'],
      ['/api/admin/credits/transactions', 'order'],
      ['/api/admin/credits/transactions/export', 'from'],
      ['/api/admin/credits/transactions/export', 'type'],
      ['/api/search/history', 'userId'],
      ['/api/search/history', 'customerId'],
      ['/api/search/history', 'page'],
    ];
    for (const [path, param] of typed) {
      const a = await call(admin, 'GET', `${path}?${param}=${v}`);
      expect(a.status, `${path}?${param}=${JSON.stringify(payload)}`).toBe(400);
      expect(a.body.details, `${path}?${param}`).toHaveProperty(param);
    }
    // The payload as a parameter name is an unknown parameter.
    const key = await call(admin, 'GET', `/api/admin/customers?${v}=1`);
    expect(key.status).toBe(400);
  });
});

describe('look-ups: the search box', () => {
  it.each(ALL.map((p) => [p]))('query %j: answered or refused (and refunded), the query kept verbatim in the history', async (payload) => {
    const before = await ledgerSnapshot(admin, searcherCustomer.id);
    const a = await call(searcher, 'POST', '/api/search', { query: payload });
    const after = await ledgerSnapshot(admin, searcherCustomer.id);
    if (hasNul(payload)) {
      expect(a.status, 'U+0000 must be refused').toBeGreaterThanOrEqual(400);
      expect(after.balance).toBe(before.balance);
      return;
    }
    if (payload.trim().length > 50) {
      // Longer than a Roblox keyword may be: refused before anything is charged or recorded.
      expect(a.status).toBe(400);
      expect(a.body.details).toHaveProperty('query');
      expect(after).toEqual(before);
      return;
    }
    if (a.status === 200) {
      expect(a.body).toMatchObject({ type: 'keyword', query: payload.trim() });
      expect(after.balance).toBe(before.balance - a.body.creditsCharged);
    } else {
      // Roblox refuses keywords under 3 characters (and a few words): refunded in full.
      expect(a.status, a.text).toBe(400);
      expect(after.balance).toBe(before.balance);
    }
    const history = await call(searcher, 'GET', '/api/search/history?pageSize=1');
    expect(history.body.items[0].query).toBe(payload.trim());

    const profile = await call(searcher, 'POST', '/api/search', { query: payload, type: 'profile' });
    expect(profile.status).toBe(400);
  });
});

describe('the Idempotency-Key header', () => {
  // Visible ASCII without spaces is a valid key: these must work as keys, verbatim.
  const asKeys = PAYLOADS.map((p) => p.replace(/\s+/g, '/**/')).filter((k) => /^[\x21-\x7e]{1,255}$/.test(k));

  it.each(asKeys.map((k) => [k]))('key %j: credits once, a retry replays, another body is a 409', async (key) => {
    const scoped = `${key}#${unique('k')}`;
    const before = await ledgerSnapshot(admin, ledger.id);
    const body = { customerId: ledger.id, amount: 2, description: 'idempotent' };
    const first = await call(admin, 'POST', '/api/admin/credits/add', body, { 'Idempotency-Key': scoped });
    expect(first.status).toBe(200);
    const again = await call(admin, 'POST', '/api/admin/credits/add', body, { 'Idempotency-Key': scoped });
    expect(again.body).toEqual(first.body);
    const other = await call(admin, 'POST', '/api/admin/credits/add', { ...body, amount: 3 }, { 'Idempotency-Key': scoped });
    expect(other.status).toBe(409);
    const after = await ledgerSnapshot(admin, ledger.id);
    expect(after.balance).toBe(before.balance + 2);
    expect(after.transactions).toBe(before.transactions + 1);
  });

  it.each(PAYLOADS.filter((p) => /\s/.test(p)).map((p) => [p]))('key %j (spaces) is a 400 and credits nothing', async (key) => {
    const before = await ledgerSnapshot(admin, ledger.id);
    const a = await call(admin, 'POST', '/api/admin/credits/add', { customerId: ledger.id, amount: 2, description: 'x' }, { 'Idempotency-Key': key });
    expect(a.status).toBe(400);
    expect(a.body.error).toBe('Invalid Idempotency-Key');
    expect(await ledgerSnapshot(admin, ledger.id)).toEqual(before);
  });

  it('a key with U+0000 (sent on a raw socket: fetch refuses to) is a 4xx and credits nothing', async () => {
    const before = await ledgerSnapshot(admin, ledger.id);
    const { hostname, port } = new URL(server().baseUrl);
    const body = JSON.stringify({ customerId: ledger.id, amount: 2, description: 'nul key' });
    const raw = [
      'POST /api/admin/credits/add HTTP/1.1',
      `Host: ${hostname}:${port}`,
      `Cookie: next-auth.session-token=${admin.sessionToken}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Idempotency-Key: a\u0000' OR 1=1 --",
      'Connection: close',
      '',
      body,
    ].join('\r\n');
    const response = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.end(raw));
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1]);
    expect(status, response.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(status, response.slice(0, 200)).toBeLessThan(500);
    expect(await ledgerSnapshot(admin, ledger.id)).toEqual(before);
  });
});

describe('sign-in username', () => {
  it.each(ALL.map((p) => [p]))('username %j signs nobody in, and fails like any wrong password', async (payload) => {
    for (const password of ['wrong password', server().adminPassword, PASSWORD]) {
      const r = await signInAttempt(payload, password, { headers: { 'x-forwarded-for': testAddress() } });
      expect(r.res.status, r.body.slice(0, 200)).toBeLessThan(500);
      expect(r.sessionToken, `signed in as ${JSON.stringify(payload)}`).toBeUndefined();
      assertNoSecrets('sign-in', r.body);
      // The failure is NextAuth's ordinary one, not a database error carried in the redirect.
      const location = r.res.headers.get('location') ?? '';
      if (r.res.status !== 429 && location) {
        const error = new URL(location, server().baseUrl).searchParams.get('error');
        expect(error, `redirect ${location}`).toBe('CredentialsSignin');
      }
    }
  });
});

describe('afterwards: the tables are intact', () => {
  it('counts are sane, the ledger chain is whole, and normal requests work', async () => {
    // The ledger customer's audit trail: a gap-free chain ending at its balance.
    const page = await call(admin, 'GET', `/api/admin/credits/transactions?customerId=${ledger.id}&order=asc&pageSize=100`);
    expect(page.body.total).toBeGreaterThan(0);
    let previous = 0;
    for (const t of page.body.items) {
      expect(t.balanceBefore).toBe(previous);
      expect(t.balanceAfter).toBe(t.balanceBefore + t.amount);
      previous = t.balanceAfter;
    }
    const snap = await ledgerSnapshot(admin, ledger.id);
    expect(snap.balance).toBe(previous);
    expect(snap.balance).toBe(snap.purchased - snap.used);

    const customers = await call(admin, 'GET', '/api/admin/customers?pageSize=1');
    const users = await call(admin, 'GET', '/api/admin/users?pageSize=1');
    expect(customers.body.total).toBeGreaterThanOrEqual(PAYLOADS.length);
    expect(users.body.total).toBeGreaterThanOrEqual(PAYLOADS.length);

    // A normal request still works end to end, including signing in.
    const t = await tenant(admin, { credits: 10 });
    const u = await t.makeUser('USER');
    const look = await call(u.client, 'POST', '/api/search', { query: 'blox' });
    expect(look.status).toBe(200);
    expect((await ledgerSnapshot(admin, t.customer.id)).balance).toBe(10 - look.body.creditsCharged);
    await signedIn(adminName, server().adminPassword);
  });

  it.skipIf(!server().databaseUrl)('PostgreSQL: every table and trigger is there and every balance equals its ledger', async () => {
    const client = new pg.Client({ connectionString: server().databaseUrl });
    await client.connect();
    try {
      const tables = ['customers', 'users', 'customer_credits', 'credit_transactions', 'searches', 'customer_counters', 'idempotency_keys', 'schema_migrations'];
      for (const t of tables) {
        const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [`public.${t}`]);
        expect(rows[0].present, t).toBe(true);
      }
      const triggers = await client.query(
        `SELECT tgname FROM pg_trigger WHERE tgrelid = 'credit_transactions'::regclass AND NOT tgisinternal ORDER BY tgname`,
      );
      expect(triggers.rows.map((r) => r.tgname)).toEqual(expect.arrayContaining(['credit_transactions_apply', 'credit_transactions_no_update']));
      const broken = await client.query(`
        SELECT cc.customer_id FROM customer_credits cc
          LEFT JOIN (SELECT customer_id, sum(amount) AS total FROM credit_transactions GROUP BY customer_id) t USING (customer_id)
         WHERE cc.balance <> COALESCE(t.total, 0)
            OR cc.balance <> cc.total_purchased - cc.total_used - cc.total_expired - cc.total_voided - cc.total_deducted`);
      expect(broken.rows).toEqual([]);
      const admins = await client.query(`SELECT count(*)::int AS n FROM users WHERE role = 'SUPER_ADMIN'`);
      expect(admins.rows[0].n).toBeGreaterThanOrEqual(1);
    } finally {
      await client.end();
    }
  });

  it('no response in this file carried a password hash', () => {
    expect(seen.length).toBeGreaterThan(100);
    for (const r of seen) {
      expect(r.text, r.what).not.toMatch(/\$argon2/);
      expect(r.headers, r.what).not.toMatch(/\$argon2|password_hash/);
    }
  });
});
