/** Signed-in API clients against the suites' one server, and throw-away tenants. */
import { inject } from 'vitest';
import { unique } from '../db';
import { ApiClient } from '../http-client';

export { ApiClient };

export function server() {
  return inject('server');
}

export function anonymous(): ApiClient {
  return new ApiClient(server().baseUrl);
}

/** A client that sends an API key (`Authorization: Bearer …`) and no cookie. */
export function withKey(key: string): ApiClient {
  return new ApiClient(server().baseUrl, '', `Bearer ${key}`);
}

/** Makes an API key as `creator` (POST /api/admin/api-keys) and a client that uses it. */
export async function apiKeyClient(creator: ApiClient, body: { name?: string; customerId?: number | null; permissions: string[]; expiresAt?: string }) {
  const made = await creator.expectJson(creator.post('/api/admin/api-keys', { name: unique('key'), ...body }), 201);
  return { ...made, client: withKey(made.key) } as { apiKey: any; key: string; client: ApiClient };
}

/**
 * Signs in, waiting out the sign-in limit when it answers 429: every suite's beforeAll signs the
 * bootstrap admin in, and running side by side they can pass the test server's limit (5 attempts in
 * 8 s per account) on their own. The limit itself is tested on servers of its own.
 */
export async function signedIn(username: string, password: string): Promise<ApiClient> {
  const client = new ApiClient(server().baseUrl);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await client.signIn(username, password);
    if (client.sessionToken) return client;
    const wait = Number(res.headers.get('retry-after') ?? 1) * 1000 + Math.random() * 500;
    if (res.status !== 429 || Date.now() + wait > deadline) throw new Error(`sign-in as ${username} failed: HTTP ${res.status}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

export function superAdmin(): Promise<ApiClient> {
  const s = server();
  return signedIn(s.adminUsername, s.adminPassword);
}

export const PASSWORD = 'correct horse battery';

/**
 * A SUPER_ADMIN of the suite's own, for suites that end their caller's other sessions (revoke-all,
 * a password change): the bootstrap admin's sessions are every suite's.
 */
export async function ownSuperAdmin(admin: ApiClient, label = 'super'): Promise<ApiClient> {
  const { user } = await admin.expectJson(admin.post('/api/admin/users', { username: unique(label), password: PASSWORD, role: 'SUPER_ADMIN' }), 201);
  return signedIn(user.username, PASSWORD);
}

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

