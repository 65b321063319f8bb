import { inject } from 'vitest';
import { unique } from './db';

/** A signed-in HTTP client, speaking to the test server exactly as curl would. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private cookie = '',
  ) {}

  get sessionToken(): string | undefined {
    return /next-auth\.session-token=([^;]+)/.exec(this.cookie)?.[1];
  }

  /** NextAuth's credentials flow: GET /api/auth/csrf, then POST /api/auth/callback/credentials. */
  async signIn(username: string, password: string): Promise<Response> {
    const csrf = await fetch(`${this.baseUrl}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const jar = new Map<string, string>();
    const remember = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
    };
    remember(csrf);
    const res = await fetch(`${this.baseUrl}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ csrfToken, username, password }),
    });
    remember(res);
    this.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return res;
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers);
  }
  patch(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', path, body, headers);
  }

  /** Sends and expects `status`; returns the parsed JSON body. */
  async expectJson<T = any>(res: Promise<Response> | Response, status: number): Promise<T> {
    const r = await res;
    const text = await r.text();
    if (r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

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
