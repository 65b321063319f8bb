/**
 * The access matrix of the admin API, generated from the PERMISSIONS table: every (endpoint, method)
 * × caller × target tenant. The expected outcome is computed from the table's roles and scopes, so a
 * change to the table changes what this test demands of the routes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it} from 'vitest';
import { PERMISSIONS, type Permission, type Scope } from '@/app/lib/auth/permissions';
import { ROLES, type Role } from '@/app/lib/auth/roles';
import { unique } from '../support/db';
import { anonymous, PASSWORD, signedIn, superAdmin, type ApiClient } from '../support/api';

// Sign-ins hash passwords (argon2) and the API project sets no timeout of its own: allow for a busy machine.

type TargetName = 'A' | 'B';

interface TenantData {
  customer: { id: number; name: string };
  /** A USER of the tenant that PATCH /users/:id acts on. */
  victim: { id: number; username: string };
}

/** How a caller whose scope is `own` is kept away from another tenant's target. */
type Foreign = 403 | 404 | 'filtered';

interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** false: the request names no customer (it acts on the caller's own), so only tenant A applies. */
  targeted?: boolean;
  route: string;
  permission: Permission;
  write: boolean;
  /** Creating a customer is never inside one's "own" customer: an `own` scope grants nothing there. */
  ownScopeApplies: boolean;
  foreign: Foreign;
  successStatus: 200 | 201;
  /** How a successful body is read (error bodies are always JSON). */
  format?: 'json' | 'csv';
  request(t: TenantData): Promise<{ path: string; body?: unknown; marker?: string }>;
  /** After a 2xx: the response and the database say the request did what it should. */
  verifySuccess(t: TenantData, body: any, marker: string | undefined, before: Snapshot): Promise<void>;
}

let admin: ApiClient;
const tenants = {} as Record<TargetName, TenantData>;

interface Snapshot {
  customer: Record<string, unknown>;
  victim: Record<string, unknown>;
  transactions: number;
}

async function snapshot(t: TenantData): Promise<Snapshot> {
  const [{ customer }, { user }, tx] = await Promise.all([
    admin.expectJson(admin.get(`/api/admin/customers/${t.customer.id}`), 200),
    admin.expectJson(admin.get(`/api/admin/users/${t.victim.id}`), 200),
    admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${t.customer.id}&pageSize=1`), 200),
  ]);
  return { customer, victim: user, transactions: tx.total };
}

async function usernameExists(username: string): Promise<boolean> {
  const list = await admin.expectJson(admin.get(`/api/admin/users?search=${encodeURIComponent(username)}`), 200);
  return list.items.some((u: { username: string }) => u.username === username);
}

async function customerNameExists(name: string): Promise<boolean> {
  const list = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent(name)}`), 200);
  return list.items.some((c: { name: string }) => c.name === name);
}

/** Every (endpoint, method) of the admin API, each mapped to the permission its route declares. */
const ENDPOINTS: Endpoint[] = [
  {
    method: 'GET',
    route: '/api/admin/customers',
    permission: 'customers.read',
    write: false,
    ownScopeApplies: true,
    foreign: 'filtered',
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/customers?search=${encodeURIComponent(t.customer.name)}` }),
    verifySuccess: async (t, body) => {
      expect(body.items.map((c: { id: number }) => c.id)).toEqual([t.customer.id]);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/customers',
    permission: 'customers.create',
    write: true,
    ownScopeApplies: false,
    foreign: 403,
    successStatus: 201,
    request: async () => {
      const name = unique('MatrixNew');
      return { path: '/api/admin/customers', body: { name }, marker: name };
    },
    verifySuccess: async (_t, body, name) => {
      expect(body.customer.name).toBe(name);
      expect(await customerNameExists(name!)).toBe(true);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/customers/:id',
    permission: 'customers.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/customers/${t.customer.id}` }),
    verifySuccess: async (t, body) => {
      expect(body.customer.id).toBe(t.customer.id);
    },
  },
  {
    method: 'PATCH',
    route: '/api/admin/customers/:id',
    permission: 'customers.update',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => {
      const email = `${unique('matrix').toLowerCase()}@example.com`;
      return { path: `/api/admin/customers/${t.customer.id}`, body: { contactEmail: email, maxUsers: 100 }, marker: email };
    },
    verifySuccess: async (t, body, email) => {
      expect(body.customer.contactEmail).toBe(email);
      const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${t.customer.id}`), 200);
      expect(customer.contactEmail).toBe(email);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/users',
    permission: 'users.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/users?customerId=${t.customer.id}&pageSize=100` }),
    verifySuccess: async (t, body) => {
      expect(body.items.length).toBeGreaterThan(0);
      for (const u of body.items) expect(u.customerId).toBe(t.customer.id);
      expect(body.items.map((u: { id: number }) => u.id)).toContain(t.victim.id);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/users',
    permission: 'users.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 201,
    request: async (t) => {
      const username = unique('mx');
      return { path: '/api/admin/users', body: { username, password: PASSWORD, role: 'USER', customerId: t.customer.id }, marker: username };
    },
    verifySuccess: async (t, body, username, before) => {
      expect(body.user).toMatchObject({ username, customerId: t.customer.id });
      const after = await snapshot(t);
      expect(after.customer.userCount).toBe((before.customer.userCount as number) + 1);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/users/:id',
    permission: 'users.read',
    write: false,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/users/${t.victim.id}` }),
    verifySuccess: async (t, body) => {
      expect(body.user).toMatchObject({ id: t.victim.id, username: t.victim.username });
    },
  },
  {
    method: 'PATCH',
    route: '/api/admin/users/:id',
    permission: 'users.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const { user } = await admin.expectJson(admin.get(`/api/admin/users/${t.victim.id}`), 200);
      const role = user.role === 'USER' ? 'CUSTOMER_ADMIN' : 'USER';
      return { path: `/api/admin/users/${t.victim.id}`, body: { role }, marker: role };
    },
    verifySuccess: async (t, body, role) => {
      expect(body.user.role).toBe(role);
      const { user } = await admin.expectJson(admin.get(`/api/admin/users/${t.victim.id}`), 200);
      expect(user.role).toBe(role);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/credits/add',
    permission: 'credits.add',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: '/api/admin/credits/add', body: { customerId: t.customer.id, amount: 1, description: 'matrix' } }),
    verifySuccess: async (t, body, _m, before) => {
      expect(body.success).toBe(true);
      const after = await snapshot(t);
      expect(after.customer.creditBalance).toBe((before.customer.creditBalance as number) + 1);
      expect(after.transactions).toBe(before.transactions + 1);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/credits/transactions',
    permission: 'credits.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/credits/transactions?customerId=${t.customer.id}&pageSize=100` }),
    verifySuccess: async (t, body) => {
      expect(body.items.length).toBeGreaterThan(0);
      for (const row of body.items) expect(row.customerId).toBe(t.customer.id);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/credits/transactions/export',
    permission: 'credits.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    format: 'csv',
    request: async (t) => ({ path: `/api/admin/credits/transactions/export?customerId=${t.customer.id}` }),
    verifySuccess: async (t, csv: string) => {
      const lines = csv.trim().split(/\r?\n/);
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.slice(1).join('\n')).toContain(t.customer.name);
      // No other customer's rows: every data line carries this customer's name.
      for (const line of lines.slice(1)) expect(line).toContain(t.customer.name);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/customers/:id/credits',
    permission: 'credits.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/customers/${t.customer.id}/credits` }),
    verifySuccess: async (t, body, _m, before) => {
      expect(body.customerId).toBe(t.customer.id);
      expect(body.balance).toBe(before.customer.creditBalance);
    },
  },
  {
    method: 'POST',
    route: '/api/search',
    permission: 'searches.run',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/search', body: { query: 'blox', type: 'keyword' } }),
    verifySuccess: async (t, body, _m, before) => {
      expect(body.type).toBe('keyword');
      expect(body.results.length).toBeGreaterThan(0);
      const after = await snapshot(t);
      expect(after.customer.creditBalance).toBe((before.customer.creditBalance as number) - body.creditsCharged);
      expect(after.customer.totalSearches).toBe((before.customer.totalSearches as number) + 1);
    },
  },
  {
    method: 'GET',
    route: '/api/search/history',
    permission: 'searches.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/search/history?customerId=${t.customer.id}` }),
    verifySuccess: async (t, body) => {
      // Only this tenant's look-ups: every one was made by one of its users.
      const members = await admin.expectJson(admin.get(`/api/admin/users?customerId=${t.customer.id}&pageSize=100`), 200);
      const usernames = new Set(members.items.map((u: { username: string }) => u.username));
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.total).toBe(body.items.length);
      for (const s of body.items) expect(usernames.has(s.username), `look-up ${s.id} by ${s.username}`).toBe(true);
    },
  },
  {
    method: 'GET',
    route: '/api/me',
    permission: 'account.read',
    targeted: false,
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/me' }),
    verifySuccess: async (_t, body) => {
      expect(typeof body.user.username).toBe('string');
      expect(body.searchCost).toBeTypeOf('number');
    },
  },
  {
    method: 'GET',
    route: '/api/admin/credit-packs',
    permission: 'billing.packs.manage',
    targeted: false,
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/admin/credit-packs', marker: String(await matrixPack()) }),
    verifySuccess: async (_t, body, packId) => {
      expect(body.packs.map((p: { id: number }) => p.id)).toContain(Number(packId));
    },
  },
  {
    method: 'POST',
    route: '/api/admin/credit-packs',
    permission: 'billing.packs.manage',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 201,
    request: async () => {
      const name = unique('MatrixPack');
      return { path: '/api/admin/credit-packs', body: { name, credits: 10, unitAmount: 500, currency: 'usd' }, marker: name };
    },
    verifySuccess: async (_t, body, name) => {
      expect(body.pack.name).toBe(name);
      const { packs } = await admin.expectJson(admin.get('/api/admin/credit-packs'), 200);
      expect(packs.map((p: { name: string }) => p.name)).toContain(name);
    },
  },
  {
    method: 'PATCH',
    route: '/api/admin/credit-packs/:id',
    permission: 'billing.packs.manage',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => {
      const name = unique('MatrixPackEdit');
      return { path: `/api/admin/credit-packs/${await matrixPack()}`, body: { name }, marker: name };
    },
    verifySuccess: async (_t, body, name) => {
      expect(body.pack.name).toBe(name);
    },
  },
  {
    method: 'GET',
    route: '/api/billing/packs',
    permission: 'billing.packs.read',
    targeted: false,
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/billing/packs', marker: String(await matrixPack()) }),
    verifySuccess: async (_t, body, packId) => {
      expect(body.packs.map((p: { id: number }) => p.id)).toContain(Number(packId));
      for (const p of body.packs) expect(p.active).toBe(true);
    },
  },
  {
    method: 'POST',
    route: '/api/billing/checkout',
    permission: 'billing.buy',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/billing/checkout', body: { packId: await matrixPack() } }),
    verifySuccess: async (t, body) => {
      expect(body.url).toContain('/checkout/cs_test_');
      const { purchase } = await admin.expectJson(admin.get(`/api/billing/purchases/${body.purchaseId}`), 200);
      expect(purchase).toMatchObject({ customerId: t.customer.id, status: 'pending' });
    },
  },
  {
    method: 'GET',
    route: '/api/billing/purchases',
    permission: 'billing.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/billing/purchases?customerId=${t.customer.id}`, marker: String(await purchaseOf(t)) }),
    verifySuccess: async (t, body, purchaseId) => {
      expect(body.items.map((p: { id: number }) => p.id)).toContain(Number(purchaseId));
      for (const p of body.items) expect(p.customerId).toBe(t.customer.id);
    },
  },
  {
    method: 'GET',
    route: '/api/billing/purchases/:id',
    permission: 'billing.read',
    write: false,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => ({ path: `/api/billing/purchases/${await purchaseOf(t)}` }),
    verifySuccess: async (t, body) => {
      expect(body.purchase.customerId).toBe(t.customer.id);
    },
  },
  {
    method: 'POST',
    route: '/api/billing/purchases/:id/cancel',
    permission: 'billing.buy',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const id = await purchaseOf(t, { fresh: true });
      return { path: `/api/billing/purchases/${id}/cancel`, marker: String(id) };
    },
    verifySuccess: async (_t, body, purchaseId) => {
      expect(body).toEqual({ cancelled: true });
      const { purchase } = await admin.expectJson(admin.get(`/api/billing/purchases/${purchaseId}`), 200);
      expect(purchase.status).toBe('cancelled');
    },
  },
  {
    method: 'GET',
    route: '/api/billing/auto-top-up',
    permission: 'billing.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/billing/auto-top-up?customerId=${t.customer.id}` }),
    verifySuccess: async (_t, body) => {
      expect(body.autoTopUp).toMatchObject({ enabled: expect.any(Boolean), monthlyLimit: expect.any(Number) });
    },
  },
  {
    method: 'PUT',
    route: '/api/billing/auto-top-up',
    permission: 'billing.buy',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/billing/auto-top-up', body: { enabled: false, thresholdCredits: 7, packId: await matrixPack(), monthlyLimit: 2 } }),
    verifySuccess: async (t, body) => {
      expect(body.autoTopUp).toMatchObject({ enabled: false, thresholdCredits: 7, monthlyLimit: 2 });
      const read = await admin.expectJson(admin.get(`/api/billing/auto-top-up?customerId=${t.customer.id}`), 200);
      expect(read.autoTopUp.thresholdCredits).toBe(7);
    },
  },
  {
    method: 'GET',
    route: '/api/billing/overview',
    permission: 'billing.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/billing/overview?customerId=${t.customer.id}` }),
    verifySuccess: async (t, body, _m, before) => {
      expect(body).toMatchObject({ customerId: t.customer.id, balance: before.customer.creditBalance, buyingEnabled: true });
    },
  },
];

const API_ROOT = path.resolve(__dirname, '../../src/app/api');
// Public by design: NextAuth's own routes, the load balancer's health check, and webhooks (their sender signs each request; no session).
const PUBLIC_ROUTE_DIRS = new Set(['auth', 'health', 'webhooks']);

/** Every route file under src/app/api, as its URL pattern and path. */
function routeFiles(): Array<{ route: string; file: string; public: boolean }> {
  const out: Array<{ route: string; file: string; public: boolean }> = [];
  const walk = (dir: string, isPublic: boolean) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, isPublic || (dir === API_ROOT && PUBLIC_ROUTE_DIRS.has(entry.name)));
      else if (/^route\.(ts|tsx|js)$/.test(entry.name)) {
        const route = '/api/' + path.relative(API_ROOT, dir).split(path.sep).map((p) => p.replace(/^\[(.+)\]$/, ':$1')).join('/');
        out.push({ route: route.replace(/\/$/, ''), file: full, public: isPublic });
      }
    }
  };
  walk(API_ROOT, false);
  return out;
}

/**
 * Every (route, method) but the public ones, with the permission its door declaration names: read
 * from the route modules themselves (the `spec` that route() attaches), not from their source text.
 */
async function declaredRoutes(): Promise<Array<{ route: string; method: string; permission: string | null }>> {
  const out: Array<{ route: string; method: string; permission: string | null }> = [];
  for (const { route, file, public: isPublic } of routeFiles()) {
    if (isPublic) continue;
    const mod = (await import(file)) as Record<string, { spec?: { permission: string }; methodNotAllowed?: true } | undefined>;
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const handler = mod[method];
      // The methods a route doesn't implement answer 405 from endpoint(): no declaration, not a route.
      if (handler && !handler.methodNotAllowed) out.push({ route, method, permission: handler.spec?.permission ?? null });
    }
  }
  return out;
}

const DECLARED = await declaredRoutes();

/** The matrix runs the endpoints whose route exists in this checkout. */
const LIVE_ENDPOINTS = ENDPOINTS.filter((ep) => DECLARED.some((r) => r.route === ep.route && r.method === ep.method));

interface CallerSpec {
  name: string;
  /** undefined: signed out. */
  role?: Role;
  /** A signed-in caller whose account or customer is deactivated. */
  disabled?: boolean;
}

const CALLERS: CallerSpec[] = [
  { name: 'signed out' },
  { name: 'SUPER_ADMIN', role: 'SUPER_ADMIN' },
  { name: 'CUSTOMER_ADMIN of A', role: 'CUSTOMER_ADMIN' },
  { name: 'USER of A', role: 'USER' },
  { name: 'deactivated CUSTOMER_ADMIN of A', role: 'CUSTOMER_ADMIN', disabled: true },
  { name: 'CUSTOMER_ADMIN of a deactivated customer', role: 'CUSTOMER_ADMIN', disabled: true },
];

type Expected = { kind: 'ok' } | { kind: 'filtered' } | { kind: 'denied'; status: 401 | 403 | 404; byRole: boolean };

/** What the PERMISSIONS table says should happen. The caller's own tenant is A. */
function expected(caller: CallerSpec, ep: Endpoint, target: TargetName): Expected {
  if (!caller.role || caller.disabled) return { kind: 'denied', status: 401, byRole: false };
  const scope = (PERMISSIONS[ep.permission].roles as Partial<Record<Role, Scope>>)[caller.role];
  if (!scope) return { kind: 'denied', status: 403, byRole: true };
  if (scope === 'any') return { kind: 'ok' };
  if (!ep.ownScopeApplies) return { kind: 'denied', status: 403, byRole: false };
  if (target === 'A') return { kind: 'ok' };
  return ep.foreign === 'filtered' ? { kind: 'filtered' } : { kind: 'denied', status: ep.foreign, byRole: false };
}

const clients = new Map<string, ApiClient>();

/** A credit pack on sale, and a pending purchase of it per tenant (made by a CUSTOMER_ADMIN of that tenant). */
let packId: Promise<number> | undefined;
const matrixPack = () =>
  (packId ??= admin
    .expectJson(admin.post('/api/admin/credit-packs', { name: unique('MatrixPack'), credits: 10, unitAmount: 500, currency: 'usd' }), 201)
    .then((r) => r.pack.id as number));
const buyers = new Map<number, Promise<ApiClient>>();
const purchases = new Map<number, Promise<number>>();
async function purchaseOf(t: TenantData, opts: { fresh?: boolean } = {}): Promise<number> {
  const make = async () => {
    let buyer = buyers.get(t.customer.id);
    if (!buyer) {
      const username = unique('mxbuyer');
      buyer = admin
        .expectJson(admin.post('/api/admin/users', { username, password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: t.customer.id }), 201)
        .then(() => signedIn(username, PASSWORD));
      buyers.set(t.customer.id, buyer);
    }
    const client = await buyer;
    return (await client.expectJson(client.post('/api/billing/checkout', { packId: await matrixPack() }), 200)).purchaseId as number;
  };
  if (opts.fresh) return make();
  if (!purchases.has(t.customer.id)) purchases.set(t.customer.id, make());
  return purchases.get(t.customer.id)!;
}

beforeAll(async () => {
  admin = await superAdmin();
  const makeTenant = async (label: string) => {
    const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: unique(`Matrix${label}`), maxUsers: 100 }), 201);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 50, description: 'matrix setup' }), 200);
    const { user: victim } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique(`victim${label}`), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    );
    // One look-up of the tenant's own, so its history is never trivially empty.
    const asVictim = await signedIn(victim.username, PASSWORD);
    await asVictim.expectJson(asVictim.post('/api/search', { query: 'blox' }), 200);
    return { customer, victim };
  };
  tenants.A = await makeTenant('A');
  tenants.B = await makeTenant('B');
  const C = await makeTenant('C');

  const member = async (customerId: number, role: Role) => {
    const username = unique(`mx${role.toLowerCase()}`);
    const { user } = await admin.expectJson(admin.post('/api/admin/users', { username, password: PASSWORD, role, customerId }), 201);
    return { user, client: await signedIn(username, PASSWORD) };
  };
  clients.set('signed out', anonymous());
  clients.set('SUPER_ADMIN', admin);
  clients.set('CUSTOMER_ADMIN of A', (await member(tenants.A.customer.id, 'CUSTOMER_ADMIN')).client);
  clients.set('USER of A', (await member(tenants.A.customer.id, 'USER')).client);
  const deactivated = await member(tenants.A.customer.id, 'CUSTOMER_ADMIN');
  await admin.expectJson(admin.patch(`/api/admin/users/${deactivated.user.id}`, { active: false }), 200);
  clients.set('deactivated CUSTOMER_ADMIN of A', deactivated.client);
  const ofC = await member(C.customer.id, 'CUSTOMER_ADMIN');
  await admin.expectJson(admin.patch(`/api/admin/customers/${C.customer.id}`, { status: 'inactive' }), 200);
  clients.set('CUSTOMER_ADMIN of a deactivated customer', ofC.client);
}, 60_000);

describe('the matrix covers the table', () => {
  it('every permission in PERMISSIONS is exercised by some endpoint, and every endpoint names a real permission', () => {
    const used = new Set(LIVE_ENDPOINTS.map((e) => e.permission));
    expect([...used].sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  it('every admin route handler is in the matrix, mapped to the permission its door declaration names', () => {
    const declared = DECLARED
      .map((r) => `${r.method} ${r.route} -> ${r.permission ?? 'NO route() declaration'}`)
      .sort();
    const mapped = LIVE_ENDPOINTS.map((e) => `${e.method} ${e.route} -> ${e.permission}`).sort();
    expect(declared).toEqual(mapped);
    expect(declared.length).toBeGreaterThanOrEqual(10);
  });

  it('every role the table mentions is a known role', () => {
    for (const rule of Object.values(PERMISSIONS)) {
      for (const role of Object.keys(rule.roles)) expect(ROLES).toContain(role);
    }
  });
});

const cases = LIVE_ENDPOINTS.flatMap((ep) =>
  CALLERS.flatMap((caller) =>
    (ep.targeted === false ? (['A'] as const) : (['A', 'B'] as const)).map((target) => ({
      label: `${ep.method} ${ep.route} [${ep.permission}] as ${caller.name} on tenant ${target}`,
      ep,
      caller,
      target,
    })),
  ),
);

describe('admin API access matrix', () => {
  it.each(cases)('$label', async ({ ep, caller, target }) => {
    const t = tenants[target];
    const client = clients.get(caller.name)!;
    const want = expected(caller, ep, target);
    const before = { A: await snapshot(tenants.A), B: await snapshot(tenants.B) };
    const { path, body, marker } = await ep.request(t);
    const res = await client.request(ep.method, path, body);
    const text = await res.text();
    const detail = `${res.status} ${text.slice(0, 300)}`;

    if (want.kind === 'ok') {
      expect(res.status, detail).toBe(ep.successStatus);
      await ep.verifySuccess(t, ep.format === 'csv' ? text : JSON.parse(text), marker, before[target]);
      return;
    }
    const json = JSON.parse(text);
    if (want.kind === 'filtered') {
      expect(res.status, detail).toBe(200);
      expect(json.total).toBe(0);
      expect(json.items).toEqual([]);
      return;
    }

    expect(res.status, detail).toBe(want.status);
    expect(Object.keys(json).sort()).toEqual(['code', 'details', 'error']);
    expect(typeof json.error).toBe('string');
    if (want.byRole) expect(json).toEqual({ ...PERMISSIONS[ep.permission].forbidden, code: 'forbidden' });

    // A refused request changed nothing anywhere: balances, counts, users, the ledger.
    if (ep.write) {
      expect(await snapshot(tenants.A)).toEqual(before.A);
      expect(await snapshot(tenants.B)).toEqual(before.B);
      if (ep.route === '/api/admin/users') expect(await usernameExists(marker!)).toBe(false);
      if (ep.route === '/api/admin/customers') expect(await customerNameExists(marker!)).toBe(false);
    }
  }, 20_000);
});
