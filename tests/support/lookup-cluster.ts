import crypto from 'node:crypto';
import { ApiClient } from './http-client';
import { onPostgres } from './env';
import { fakeRobloxEnv, startFakeRoblox, type FakeRoblox } from './fake-roblox';
import { startServer, type RunningServer } from './server';
import { unique } from './db';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/**
 * App instances sharing one database (two on PostgreSQL; PGlite is one process's, so one there),
 * each with its live Roblox client pointed at one fake Roblox, and signed-in clients for them.
 */
export interface Cluster {
  roblox: FakeRoblox;
  servers: RunningServer[];
  /** The super admin, on the first instance. */
  admin: ApiClient;
  /** A new customer with credits and a USER, signed in, with a client per instance. */
  tenant(credits: number, user?: { monthlyCreditLimit?: number | null }): Promise<{ customerId: number; userId: number; clients: ApiClient[] }>;
  stop(): Promise<void>;
}

export async function startCluster(env: Record<string, string>): Promise<Cluster> {
  const roblox = await startFakeRoblox({ slowMs: 3_000 });
  const shared = {
    ...fakeRobloxEnv(roblox),
    ROBLOX_TIMEOUT_MS: '800',
    ROBLOX_MAX_RETRIES: '2',
    // One secret for all instances, as production requires: a session cookie works on each.
    NEXTAUTH_SECRET: crypto.randomBytes(32).toString('base64url'),
    ...env,
  };
  const first = await startServer(shared);
  const servers = [first];
  try {
    if (onPostgres) servers.push(await startServer({ ...shared, ADMIN_PASSWORD: first.adminPassword }, { databaseUrl: first.databaseUrl }));
  } catch (err) {
    await first.stop();
    await roblox.close();
    throw err;
  }
  const admin = new ApiClient(first.baseUrl);
  await admin.signIn(first.adminUsername, first.adminPassword);
  const expect2xx = async (res: Promise<Response>) => {
    const r = await res;
    const body = await r.json();
    if (!r.ok) throw new Error(`setup request failed: HTTP ${r.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    roblox,
    servers,
    admin,
    async tenant(credits, user = {}) {
      const { customer } = await expect2xx(admin.post('/api/admin/customers', { name: unique('Cluster'), maxUsers: 10 }));
      if (credits) await expect2xx(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: credits, description: 'cluster setup' }));
      const username = unique('cu');
      const { user: created } = await expect2xx(
        admin.post('/api/admin/users', { username, password: 'correct horse battery', role: 'USER', customerId: customer.id }),
      );
      if (user.monthlyCreditLimit !== undefined) {
        await expect2xx(admin.patch(`/api/admin/users/${created.id}`, { monthlyCreditLimit: user.monthlyCreditLimit }));
      }
      const signed = new ApiClient(first.baseUrl);
      await signed.signIn(username, 'correct horse battery');
      const cookie = `next-auth.session-token=${signed.sessionToken}`;
      return { customerId: customer.id, userId: created.id, clients: servers.map((s) => new ApiClient(s.baseUrl, cookie)) };
    },
    async stop() {
      // The first instance owns (and drops) the database: stop it last.
      for (const s of servers.slice(1)) await s.stop();
      await first.stop();
      await roblox.close();
    },
  };
}

/** Requests the fake Roblox received for a keyword, a path, or in all. */
export async function robloxCount(roblox: FakeRoblox, q: string): Promise<number> {
  return ((await (await fetch(`${roblox.url}/__requests?${q}`)).json()) as { requests: number }).requests;
}
