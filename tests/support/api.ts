import { inject } from 'vitest';
import { unique } from './db';
import { ApiClient } from './http-client';

export { ApiClient };

export function server() {
  return inject('server');
}

export function anonymous(): ApiClient {
  return new ApiClient(server().baseUrl);
}

export async function signedIn(username: string, password: string): Promise<ApiClient> {
  const client = new ApiClient(server().baseUrl);
  const res = await client.signIn(username, password);
  if (!client.sessionToken) throw new Error(`sign-in as ${username} failed: HTTP ${res.status}`);
  return client;
}

export function superAdmin(): Promise<ApiClient> {
  const s = server();
  return signedIn(s.adminUsername, s.adminPassword);
}

export const PASSWORD = 'correct horse battery';

/** A new customer and, optionally, its CUSTOMER_ADMIN and USER, all signed in. */
export async function tenant(admin: ApiClient, opts: { credits?: number; maxUsers?: number } = {}) {
  const { customer } = await admin.expectJson(
    admin.post('/api/admin/customers', { name: unique('Customer'), maxUsers: opts.maxUsers ?? 10 }),
    201,
  );
  if (opts.credits) {
    await admin.expectJson(
      admin.post('/api/admin/credits/add', { customerId: customer.id, amount: opts.credits, description: 'Test setup' }),
      200,
    );
  }
  const makeUser = async (role: 'CUSTOMER_ADMIN' | 'USER') => {
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique(role.toLowerCase()), password: PASSWORD, role, customerId: customer.id }),
      201,
    );
    return { user, client: await signedIn(user.username, PASSWORD) };
  };
  return { customer, makeUser };
}

// ---------------------------------------------------------------------------------------------
// Helpers for the customers / users / auth / access-matrix / transactions API suites.

/** One raw sign-in attempt through NextAuth's credentials flow, with optional extra headers. */
export async function signInAttempt(
  username: string,
  password: string,
  opts: { headers?: Record<string, string>; body?: URLSearchParams } = {},
): Promise<{ res: Response; sessionToken: string | undefined; body: string }> {
  const base = server().baseUrl;
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: opts.headers });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const body = opts.body ?? new URLSearchParams({ username, password });
  body.set('csrfToken', csrfToken);
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie, ...opts.headers },
    body,
  });
  const sessionToken = res.headers
    .getSetCookie()
    .map((c) => /^next-auth\.session-token=([^;]*)/.exec(c)?.[1])
    .find((v) => !!v);
  return { res, sessionToken, body: await res.text() };
}

/** A client that sends only the session cookie (the guide's curl example). */
export function withSessionToken(token: string): ApiClient {
  return new ApiClient(server().baseUrl, `next-auth.session-token=${token}`);
}

/** Asserts the API's error shape `{ error: string, details: string | object }` and returns it. */
export function assertErrorShape(body: unknown): { error: string; details: unknown } {
  const b = body as { error?: unknown; details?: unknown };
  if (!b || typeof b !== 'object' || typeof b.error !== 'string' || b.error === '') {
    throw new Error(`not an { error, details } body: ${JSON.stringify(body)}`);
  }
  if (b.details === undefined || b.details === null || !['string', 'object'].includes(typeof b.details)) {
    throw new Error(`error body without details: ${JSON.stringify(body)}`);
  }
  return b as { error: string; details: unknown };
}

/** A distinct client address for sign-in tests, so their failures don't throttle other suites. */
export function testAddress(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `10.${octet()}.${octet()}.${octet()}`;
}

// ---------------------------------------------------------------------------------------------
// Helpers for the hostile-input / injection / secrets suites.

/** A customer's balance, lifetime totals and audit-trail length, read through the admin API. */
export interface LedgerSnapshot {
  balance: number;
  purchased: number;
  used: number;
  transactions: number;
}

export async function ledgerSnapshot(admin: ApiClient, customerId: number): Promise<LedgerSnapshot> {
  const [{ customer }, page] = await Promise.all([
    admin.expectJson(admin.get(`/api/admin/customers/${customerId}`), 200),
    admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customerId}&pageSize=1`), 200),
  ]);
  return {
    balance: customer.creditBalance,
    purchased: customer.totalCreditsPurchased,
    used: customer.totalCreditsUsed,
    transactions: page.total,
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results come back in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Like assertErrorShape, and the body has no keys but `error`, `details` and a machine `code`. */
export function assertExactErrorShape(body: unknown): { error: string; details: unknown; code: string } {
  const b = assertErrorShape(body) as { error: string; details: unknown; code?: unknown };
  const keys = Object.keys(b).sort();
  if (keys.join() !== 'code,details,error' || typeof b.code !== 'string' || !/^[a-z]+(_[a-z]+)*$/.test(b.code)) {
    throw new Error(`error body is not exactly { error, details, code }: ${JSON.stringify(body)}`);
  }
  return b as { error: string; details: unknown; code: string };
}
