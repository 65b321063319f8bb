/**
 * The access matrix of the admin API, generated from the PERMISSIONS table: every (endpoint, method)
 * × caller × target tenant. The expected outcome is computed from the table's roles and scopes, so a
 * change to the table changes what this test demands of the routes.
 */
import pg from 'pg';
import { beforeAll, describe, expect, it} from 'vitest';
import { keyMayHold, permissionMap, PERMISSIONS, type Permission, type Scope } from '@/app/lib/auth/permissions';
import { ROLES, type Role } from '@/app/lib/auth/roles';
import { routeMethods } from '../../scripts/routes';
import { unique } from '../support/db';
import { anonymous, apiKeyClient, ownSuperAdmin, PASSWORD, server, signedIn, superAdmin, withKey, type ApiClient } from '../support/api';
import { totpCode } from '../support/auth';

// Sign-ins hash passwords (argon2) and the API project sets no timeout of its own: allow for a busy machine.

type TargetName = 'A' | 'B';

interface TenantData {
  customer: { id: number; name: string };
  /** A USER of the tenant that PATCH /users/:id acts on. */
  victim: { id: number; username: string };
  /** An API key of the tenant's, so its list is never trivially empty. */
  apiKeyId: number;
}

/** How a caller whose scope is `own` is kept away from another tenant's target. */
type Foreign = 403 | 404 | 'filtered';

interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
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
  /** `client`: the caller's own (own-account endpoints prepare with it; for refused callers it fails harmlessly). */
  request(t: TenantData, client: ApiClient): Promise<{ path: string; body?: unknown; marker?: string }>;
  /** After a 2xx: the response and the database say the request did what it should. */
  verifySuccess(t: TenantData, body: any, marker: string | undefined, before: Snapshot, client: ApiClient): Promise<void>;
  /** After a refusal, beyond the snapshot: what the request would have made or ended is not. */
  verifyRefused?(marker: string | undefined): Promise<void>;
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

/**
 * A customer outside tenants A and B: batches the matrix runs book there, so a job finishing
 * meanwhile never moves the balances a case compares.
 */
async function bystander(): Promise<{ id: number }> {
  return (await admin.expectJson(admin.post('/api/admin/customers', { name: unique('MatrixBystander') }), 201)).customer;
}

/**
 * A bulk batch above the suites' GRANT_APPROVAL_THRESHOLD (10,000), requested by the bootstrap
 * admin, so the matrix's own SUPER_ADMIN may decide it.
 */
async function pendingBatchApproval(): Promise<number> {
  const customerId = (await bystander()).id;
  const rows = [1, 2].map(() => ({ customerId, amount: 6000, description: 'matrix approval' }));
  const { approval } = await admin.expectJson(admin.post('/api/admin/credits/bulk', { rows }, { 'idempotency-key': unique('mx') }), 202);
  return approval.id;
}

// Endpoints the matrix creates point at a port nobody listens on (the suites' server allows private addresses).
const HOOK_URL = 'http://127.0.0.1:9/matrix';

async function newWebhook(t: TenantData): Promise<{ id: number; url: string }> {
  const url = `${HOOK_URL}/${unique('hook')}`;
  const { webhook } = await admin.expectJson(admin.post('/api/admin/webhooks', { url, events: ['credits.low'], customerId: t.customer.id }), 201);
  return webhook;
}

/** An endpoint of the tenant's that kept failing and was disabled (set in SQL: the real way takes five days). */
async function disabledWebhook(t: TenantData): Promise<{ id: number; url: string }> {
  const webhook = await newWebhook(t);
  const client = new pg.Client({ connectionString: server().sqlUrl });
  await client.connect();
  try {
    await client.query(`UPDATE webhooks SET enabled = false, disabled_at = now(), failing_since = now() - interval '6 days' WHERE id = $1`, [webhook.id]);
  } finally {
    await client.end();
  }
  return webhook;
}

async function webhookEnabled(id: number): Promise<boolean> {
  return (await admin.expectJson(admin.get(`/api/admin/webhooks/${id}`), 200)).webhook.enabled;
}

async function webhookUrls(t: TenantData): Promise<string[]> {
  const { items } = await admin.expectJson(admin.get(`/api/admin/webhooks?customerId=${t.customer.id}&pageSize=100`), 200);
  return items.map((w: { url: string }) => w.url);
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
    method: 'PUT',
    route: '/api/admin/customers/:id/low-balance-threshold',
    permission: 'customers.alerts',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => {
      const threshold = 1000 + Math.floor(Math.random() * 1_000_000);
      return { path: `/api/admin/customers/${t.customer.id}/low-balance-threshold`, body: { lowBalanceThreshold: threshold }, marker: String(threshold) };
    },
    verifySuccess: async (t, body, threshold) => {
      expect(body.customer).toMatchObject({ id: t.customer.id, lowBalanceThreshold: Number(threshold), lowBalanceThresholdIsCustom: true });
      const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${t.customer.id}`), 200);
      expect(customer.lowBalanceThreshold).toBe(Number(threshold));
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
    method: 'GET',
    route: '/api/admin/customers/:id/grants',
    permission: 'credits.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/customers/${t.customer.id}/grants` }),
    verifySuccess: async (t, body) => {
      expect(body.items.length).toBeGreaterThan(0);
      for (const g of body.items) expect(g.customerId).toBe(t.customer.id);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/credits/transactions/:id',
    permission: 'credits.read',
    write: false,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const { items } = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${t.customer.id}&pageSize=1`), 200);
      return { path: `/api/admin/credits/transactions/${items[0].id}`, marker: String(items[0].id) };
    },
    verifySuccess: async (t, body, marker) => {
      expect(body.transaction).toMatchObject({ id: Number(marker), customerId: t.customer.id });
      expect(Array.isArray(body.allocations)).toBe(true);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/credits/transactions/:id/void',
    permission: 'credits.void',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      // A fresh grant of 1 for each attempt, so a permitted void always has something to take back.
      const { transaction } = await admin.expectJson(
        admin.post('/api/admin/credits/add', { customerId: t.customer.id, amount: 1, description: 'matrix void', priority: 1000 }),
        200,
      );
      return { path: `/api/admin/credits/transactions/${transaction.id}/void`, body: { reason: 'matrix' }, marker: String(transaction.id) };
    },
    verifySuccess: async (t, body, marker) => {
      expect(body).toMatchObject({ success: true, transaction: { amount: -1, customerId: t.customer.id, grantId: Number(marker) } });
      const { transaction } = await admin.expectJson(admin.get(`/api/admin/credits/transactions/${marker}`), 200);
      expect(transaction.id).toBe(Number(marker));
      const { grant } = await admin.expectJson(admin.get(`/api/admin/credits/transactions/${marker}`), 200);
      expect(grant).toMatchObject({ remaining: 0, status: 'voided' });
    },
  },
  {
    method: 'POST',
    route: '/api/admin/credits/deduct',
    permission: 'credits.deduct',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: '/api/admin/credits/deduct', body: { customerId: t.customer.id, amount: 1, description: 'matrix' } }),
    verifySuccess: async (t, body, _m, before) => {
      expect(body).toMatchObject({ success: true, message: 'Credits deducted successfully', transaction: { amount: -1 } });
      const after = await snapshot(t);
      expect(after.customer.creditBalance).toBe((before.customer.creditBalance as number) - 1);
      expect(after.transactions).toBe(before.transactions + 1);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/credits/bulk',
    permission: 'credits.bulk',
    write: true,
    ownScopeApplies: false,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: '/api/admin/credits/bulk?dryRun=true', body: { rows: [{ customerId: t.customer.id, amount: 3, description: 'matrix bulk' }] } }),
    verifySuccess: async (t, body, _m, before) => {
      expect(body).toMatchObject({ valid: 1, invalid: 0, totalCredits: 3, rows: [{ customerId: t.customer.id, customerName: t.customer.name, ok: true }] });
      expect((await snapshot(t)).transactions).toBe(before.transactions);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/credits/bulk/:batchId',
    permission: 'credits.bulk',
    write: false,
    ownScopeApplies: false,
    foreign: 403,
    successStatus: 200,
    request: async () => {
      const { batchId } = await admin.expectJson(
        admin.post('/api/admin/credits/bulk', { rows: [{ customerId: (await bystander()).id, amount: 1, description: 'matrix batch' }] }, { 'idempotency-key': unique('mx') }),
        202,
      );
      return { path: `/api/admin/credits/bulk/${batchId}`, marker: String(batchId) };
    },
    verifySuccess: async (_t, body, batchId) => {
      expect(body).toMatchObject({ batchId: Number(batchId), total: 1 });
      expect(body.rows).toHaveLength(1);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/credits/approvals',
    permission: 'credits.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/credits/approvals?customerId=${t.customer.id}` }),
    verifySuccess: async (t, body) => {
      expect(body).toMatchObject({ page: 1 });
      for (const a of body.items) expect(a.customerId).toBe(t.customer.id);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/credits/approvals/:id/approve',
    permission: 'credits.approve',
    write: true,
    ownScopeApplies: false,
    foreign: 403,
    successStatus: 200,
    request: async () => {
      const id = await pendingBatchApproval();
      return { path: `/api/admin/credits/approvals/${id}/approve`, marker: String(id) };
    },
    verifySuccess: async (_t, body, id) => {
      expect(body).toMatchObject({ success: true, approval: { id: Number(id), status: 'approved' } });
    },
  },
  {
    method: 'POST',
    route: '/api/admin/credits/approvals/:id/reject',
    permission: 'credits.approve',
    write: true,
    ownScopeApplies: false,
    foreign: 403,
    successStatus: 200,
    request: async () => {
      const id = await pendingBatchApproval();
      return { path: `/api/admin/credits/approvals/${id}/reject`, body: { reason: 'matrix' }, marker: String(id) };
    },
    verifySuccess: async (_t, body, id) => {
      expect(body).toMatchObject({ success: true, approval: { id: Number(id), status: 'rejected', reason: 'matrix' } });
    },
  },
  {
    method: 'GET',
    route: '/api/admin/credits/verify',
    permission: 'credits.verify',
    write: false,
    ownScopeApplies: false,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/credits/verify?customerId=${t.customer.id}` }),
    verifySuccess: async (_t, body) => {
      expect(body).toMatchObject({ ok: true, firstBadTransactionId: null });
      expect(body.checked).toBeGreaterThan(0);
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
    route: '/api/search/usage',
    permission: 'searches.usage',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/search/usage?customerId=${t.customer.id}&groupBy=user&from=2000-01-01` }),
    verifySuccess: async (t, body) => {
      // The tenant's own look-up (by its victim) is counted, and nobody else's.
      expect(body.customerId).toBe(t.customer.id);
      expect(body.items.map((r: { userId: number }) => r.userId)).toContain(t.victim.id);
      const members = await admin.expectJson(admin.get(`/api/admin/users?customerId=${t.customer.id}&pageSize=100`), 200);
      const ids = new Set(members.items.map((u: { id: number }) => u.id));
      for (const r of body.items) expect(ids.has(r.userId)).toBe(true);
      expect(body.totals.lookups).toBeGreaterThan(0);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/prices',
    permission: 'prices.manage',
    targeted: false,
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/admin/prices' }),
    verifySuccess: async (_t, body) => {
      expect(Object.keys(body.prices).sort()).toEqual(['groups', 'keyword', 'profile', 'usernames']);
    },
  },
  {
    method: 'PUT',
    route: '/api/admin/prices',
    permission: 'prices.manage',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    // The platform's list is shared by every suite on this server: the matrix only re-states the defaults.
    request: async () => ({ path: '/api/admin/prices', body: { prices: {} } }),
    verifySuccess: async (_t, body) => {
      for (const p of Object.values(body.prices) as Array<{ source: string }>) expect(p.source).toBe('default');
    },
  },
  {
    method: 'GET',
    route: '/api/admin/customers/:id/prices',
    permission: 'prices.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/customers/${t.customer.id}/prices` }),
    verifySuccess: async (t, body) => {
      expect(body.customerId).toBe(t.customer.id);
      expect(body.prices.keyword.credits).toBeTypeOf('number');
    },
  },
  {
    method: 'PUT',
    route: '/api/admin/customers/:id/prices',
    permission: 'prices.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/customers/${t.customer.id}/prices`, body: { prices: { groups: 1 } } }),
    verifySuccess: async (t, body) => {
      expect(body.prices.groups).toEqual({ credits: 1, per: 'lookup', source: 'customer' });
      const read = await admin.expectJson(admin.get(`/api/admin/customers/${t.customer.id}/prices`), 200);
      expect(read.prices.groups.source).toBe('customer');
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
    route: '/api/me/sessions',
    permission: 'account.sessions',
    targeted: false,
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/me/sessions' }),
    verifySuccess: async (_t, body) => {
      expect(body.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    },
  },
  {
    method: 'DELETE',
    route: '/api/me/sessions/:id',
    permission: 'account.sessions',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    // A second session of the caller's own, made for the purpose, is the one ended.
    request: async (_t, client) => {
      const me = await client.get('/api/me');
      if (!me.ok) return { path: '/api/me/sessions/2000000000' };
      const { username } = (await me.json()).user;
      const other = await signedIn(username, username === server().adminUsername ? server().adminPassword : PASSWORD);
      const { items } = await other.expectJson(other.get('/api/me/sessions'), 200);
      return { path: `/api/me/sessions/${items.find((s: { current: boolean }) => s.current).id}`, marker: other.sessionToken };
    },
    verifySuccess: async (_t, body, token) => {
      expect(body.current).toBe(false);
      const ended = await fetch(`${server().baseUrl}/api/me`, { headers: { cookie: `next-auth.session-token=${token}` } });
      expect(ended.status).toBe(401);
    },
  },
  {
    method: 'POST',
    route: '/api/me/sessions/revoke-all',
    permission: 'account.sessions',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/me/sessions/revoke-all' }),
    verifySuccess: async (_t, body, _m, _b, client) => {
      expect(typeof body.ended).toBe('number');
      await client.expectJson(client.get('/api/me'), 200);
    },
  },
  {
    method: 'GET',
    route: '/api/me/2fa',
    permission: 'account.two_factor',
    targeted: false,
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/me/2fa' }),
    verifySuccess: async (_t, body) => {
      expect(body).toMatchObject({ enabled: false, required: false });
    },
  },
  {
    method: 'POST',
    route: '/api/me/2fa/setup',
    permission: 'account.two_factor',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/me/2fa/setup' }),
    verifySuccess: async (_t, body, _m, _b, client) => {
      expect(body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
      // Pending only: not on until a code proves the authenticator.
      expect((await client.expectJson(client.get('/api/me/2fa'), 200)).enabled).toBe(false);
    },
  },
  {
    method: 'POST',
    route: '/api/me/2fa/enable',
    permission: 'account.two_factor',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (_t, client) => {
      const setup = await client.post('/api/me/2fa/setup');
      const code = setup.ok ? await totpCode((await setup.json()).secret) : '123456';
      return { path: '/api/me/2fa/enable', body: { code } };
    },
    verifySuccess: async (_t, body, _m, _b, client) => {
      expect(body.recoveryCodes).toHaveLength(10);
      expect((await client.expectJson(client.get('/api/me/2fa'), 200)).enabled).toBe(true);
      // Back off, so the caller's later cases start from the same state.
      await client.expectJson(client.post('/api/me/2fa/disable', { code: body.recoveryCodes[0] }), 200);
    },
  },
  {
    method: 'POST',
    route: '/api/me/2fa/disable',
    permission: 'account.two_factor',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (_t, client) => {
      const setup = await client.post('/api/me/2fa/setup');
      if (!setup.ok) return { path: '/api/me/2fa/disable', body: { code: '123456' } };
      const enabled = await client.post('/api/me/2fa/enable', { code: await totpCode((await setup.json()).secret) });
      return { path: '/api/me/2fa/disable', body: { code: (await enabled.json()).recoveryCodes[0] } };
    },
    verifySuccess: async (_t, body, _m, _b, client) => {
      expect(body).toEqual({ enabled: false });
      expect((await client.expectJson(client.get('/api/me/2fa'), 200)).enabled).toBe(false);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/audit',
    permission: 'audit.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/audit?customerId=${t.customer.id}&pageSize=100` }),
    verifySuccess: async (t, body) => {
      expect(body.items.length).toBeGreaterThan(0);
      for (const e of body.items) expect(e.customerId).toBe(t.customer.id);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/audit/export',
    permission: 'audit.read',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    format: 'csv',
    request: async (t) => ({ path: `/api/admin/audit/export?customerId=${t.customer.id}` }),
    verifySuccess: async (t, csv: string) => {
      const lines = csv.trim().split(/\r?\n/).slice(1);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toContain(t.customer.name);
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
  {
    method: 'GET',
    route: '/api/admin/api-keys',
    permission: 'api_keys.manage',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => ({ path: `/api/admin/api-keys?customerId=${t.customer.id}&pageSize=100` }),
    verifySuccess: async (t, body) => {
      expect(body.items.map((k: { id: number }) => k.id)).toContain(t.apiKeyId);
      for (const k of body.items) expect(k.customerId).toBe(t.customer.id);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/api-keys',
    permission: 'api_keys.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 201,
    request: async (t) => {
      const name = unique('mxkey');
      return { path: '/api/admin/api-keys', body: { name, customerId: t.customer.id, permissions: ['credits.read'] }, marker: name };
    },
    verifySuccess: async (t, body, name) => {
      expect(body.apiKey).toMatchObject({ name, customerId: t.customer.id, permissions: ['credits.read'] });
      await withKey(body.key).expectJson(withKey(body.key).get(`/api/admin/customers/${t.customer.id}/credits`), 200);
    },
    verifyRefused: async (name) => {
      const { items } = await admin.expectJson(admin.get('/api/admin/api-keys?pageSize=100'), 200);
      expect(items.map((k: { name: string }) => k.name)).not.toContain(name);
    },
  },
  {
    method: 'DELETE',
    route: '/api/admin/api-keys/:id',
    permission: 'api_keys.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    // A fresh key of the target tenant's for each attempt; the marker is its secret.
    request: async (t) => {
      const { apiKey, key } = await apiKeyClient(admin, { customerId: t.customer.id, permissions: ['customers.read'] });
      return { path: `/api/admin/api-keys/${apiKey.id}`, marker: key };
    },
    verifySuccess: async (t, body, key) => {
      expect(body.apiKey.revokedAt).not.toBeNull();
      expect((await withKey(key!).get(`/api/admin/customers/${t.customer.id}`)).status).toBe(401);
    },
    verifyRefused: async (key) => {
      expect((await withKey(key!).get('/api/admin/customers')).status).toBe(200);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/webhooks',
    permission: 'webhooks.manage',
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async (t) => {
      await newWebhook(t);
      return { path: `/api/admin/webhooks?customerId=${t.customer.id}` };
    },
    verifySuccess: async (t, body) => {
      expect(body.items.length).toBeGreaterThan(0);
      for (const w of body.items) expect(w.customerId).toBe(t.customer.id);
      for (const w of body.items) expect(w).not.toHaveProperty('secret');
    },
  },
  {
    method: 'POST',
    route: '/api/admin/webhooks',
    permission: 'webhooks.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 201,
    request: async (t) => {
      const url = `${HOOK_URL}/${unique('create')}`;
      return { path: '/api/admin/webhooks', body: { url, events: ['credits.low'], customerId: t.customer.id }, marker: url };
    },
    verifySuccess: async (t, body, url) => {
      expect(body.webhook).toMatchObject({ url, customerId: t.customer.id, events: ['credits.low'] });
      expect(body.secret).toMatch(/^whsec_/);
      expect(await webhookUrls(t)).toContain(url);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/webhooks/:id',
    permission: 'webhooks.manage',
    write: false,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const w = await newWebhook(t);
      return { path: `/api/admin/webhooks/${w.id}`, marker: String(w.id) };
    },
    verifySuccess: async (t, body, id) => {
      expect(body.webhook).toMatchObject({ id: Number(id), customerId: t.customer.id });
    },
  },
  {
    method: 'DELETE',
    route: '/api/admin/webhooks/:id',
    permission: 'webhooks.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const w = await newWebhook(t);
      return { path: `/api/admin/webhooks/${w.id}`, marker: w.url };
    },
    verifySuccess: async (t, body, url) => {
      expect(body.webhook.url).toBe(url);
      expect(await webhookUrls(t)).not.toContain(url);
    },
  },
  {
    method: 'GET',
    route: '/api/admin/webhooks/:id/deliveries',
    permission: 'webhooks.manage',
    write: false,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const w = await newWebhook(t);
      await admin.expectJson(admin.post(`/api/admin/webhooks/${w.id}/test`), 200);
      return { path: `/api/admin/webhooks/${w.id}/deliveries`, marker: String(w.id) };
    },
    verifySuccess: async (_t, body, id) => {
      expect(body.items).toHaveLength(1);
      expect(body.items[0]).toMatchObject({ webhookId: Number(id), eventType: 'webhook.test', attempts: 1 });
    },
  },
  {
    method: 'POST',
    route: '/api/admin/webhooks/:id/deliveries/:deliveryId/retry',
    permission: 'webhooks.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const w = await newWebhook(t);
      const { delivery } = await admin.expectJson(admin.post(`/api/admin/webhooks/${w.id}/test`), 200);
      return { path: `/api/admin/webhooks/${w.id}/deliveries/${delivery.id}/retry`, marker: `${w.id}/${delivery.id}` };
    },
    verifySuccess: async (_t, body, marker) => {
      const [id, deliveryId] = marker!.split('/').map(Number);
      expect(body.delivery).toMatchObject({ id: deliveryId, webhookId: id, attempts: 2 });
    },
  },
  {
    method: 'POST',
    route: '/api/admin/webhooks/:id/enable',
    permission: 'webhooks.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const w = await disabledWebhook(t);
      return { path: `/api/admin/webhooks/${w.id}/enable`, marker: String(w.id) };
    },
    verifySuccess: async (t, body, id) => {
      expect(body.webhook).toMatchObject({ id: Number(id), customerId: t.customer.id, enabled: true, disabledAt: null, failingSince: null });
      expect(await webhookEnabled(Number(id))).toBe(true);
    },
    verifyRefused: async (id) => {
      expect(await webhookEnabled(Number(id))).toBe(false);
    },
  },
  {
    method: 'POST',
    route: '/api/admin/webhooks/:id/test',
    permission: 'webhooks.manage',
    write: true,
    ownScopeApplies: true,
    foreign: 404,
    successStatus: 200,
    request: async (t) => {
      const w = await newWebhook(t);
      return { path: `/api/admin/webhooks/${w.id}/test`, marker: String(w.id) };
    },
    verifySuccess: async (_t, body, id) => {
      expect(body.delivery).toMatchObject({ webhookId: Number(id), eventType: 'webhook.test', attempts: 1 });
    },
  },
  {
    method: 'GET',
    route: '/api/me/notifications',
    permission: 'account.notifications',
    targeted: false,
    write: false,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/me/notifications' }),
    verifySuccess: async (_t, body) => {
      expect(body.unreadCount).toBeTypeOf('number');
      expect(Array.isArray(body.items)).toBe(true);
    },
  },
  {
    method: 'POST',
    route: '/api/me/notifications/read',
    permission: 'account.notifications',
    targeted: false,
    write: true,
    ownScopeApplies: true,
    foreign: 403,
    successStatus: 200,
    request: async () => ({ path: '/api/me/notifications/read', body: {} }),
    verifySuccess: async (_t, body, _m, _b, client) => {
      expect(body).toEqual({ unreadCount: 0 });
      expect((await client.expectJson(client.get('/api/me/notifications'), 200)).unreadCount).toBe(0);
    },
  },
];

/**
 * Every (route, method) outside the public ones and the signed ones (the Stripe webhook: no session,
 * its sender signs each request), with the permission its door declaration names.
 */
const DECLARED = (await routeMethods())
  .filter((r) => !r.isPublic && !r.signedBy)
  .map((r) => ({ route: r.route, method: r.method, permission: r.spec?.permission ?? null }));


/** The matrix runs the endpoints whose route exists in this checkout. */
const LIVE_ENDPOINTS = ENDPOINTS.filter((ep) => DECLARED.some((r) => r.route === ep.route && r.method === ep.method));

interface CallerSpec {
  name: string;
  /** undefined: signed out. */
  role?: Role;
  /** A signed-in caller whose account or customer is deactivated. */
  disabled?: boolean;
  /** An API key with every permission of the role a key may hold, for the same tenant. */
  key?: true;
}

const CALLERS: CallerSpec[] = [
  { name: 'signed out' },
  { name: 'SUPER_ADMIN', role: 'SUPER_ADMIN' },
  { name: 'CUSTOMER_ADMIN of A', role: 'CUSTOMER_ADMIN' },
  { name: 'USER of A', role: 'USER' },
  { name: 'deactivated CUSTOMER_ADMIN of A', role: 'CUSTOMER_ADMIN', disabled: true },
  { name: 'CUSTOMER_ADMIN of a deactivated customer', role: 'CUSTOMER_ADMIN', disabled: true },
];
// Every signed-in row again with an API key of that role and tenant (a platform key for the
// SUPER_ADMIN; the deactivated rows: a key whose creator, or whose customer, is deactivated).
CALLERS.push(...CALLERS.filter((c) => c.role).map((c) => ({ ...c, name: `API key of ${c.name}`, key: true as const })));

type Expected = { kind: 'ok' } | { kind: 'filtered' } | { kind: 'denied'; status: 401 | 403 | 404; byRole: boolean };

/** The permissions a key of `role` gets in the matrix: all the role has that a key may hold. */
const keyPermissions = (role: Role) => (Object.keys(permissionMap(role)) as Permission[]).filter(keyMayHold);

/** What the PERMISSIONS table says should happen. The caller's own tenant is A. */
function expected(caller: CallerSpec, ep: Endpoint, target: TargetName): Expected {
  if (!caller.role || caller.disabled) return { kind: 'denied', status: 401, byRole: false };
  const scope = (PERMISSIONS[ep.permission].roles as Partial<Record<Role, Scope>>)[caller.role];
  if (!scope || (caller.key && !keyMayHold(ep.permission))) return { kind: 'denied', status: 403, byRole: true };
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
    const { apiKey } = await apiKeyClient(admin, { customerId: customer.id, permissions: ['customers.read'] });
    return { customer, victim, apiKeyId: apiKey.id };
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
  // A SUPER_ADMIN of the matrix's own: the bootstrap admin's sessions are every suite's, and the
  // own-account cases end sessions.
  clients.set('SUPER_ADMIN', await ownSuperAdmin(admin, 'mxsuper'));
  const adminOfA = (await member(tenants.A.customer.id, 'CUSTOMER_ADMIN')).client;
  clients.set('CUSTOMER_ADMIN of A', adminOfA);
  clients.set('USER of A', (await member(tenants.A.customer.id, 'USER')).client);
  // Keys made by their role's own kind of creator (a USER's by its CUSTOMER_ADMIN: USERs make none).
  const keyOf = async (creator: ApiClient, role: Role) => (await apiKeyClient(creator, { permissions: keyPermissions(role) })).client;
  clients.set('API key of SUPER_ADMIN', await keyOf(clients.get('SUPER_ADMIN')!, 'SUPER_ADMIN'));
  clients.set('API key of CUSTOMER_ADMIN of A', await keyOf(adminOfA, 'CUSTOMER_ADMIN'));
  clients.set('API key of USER of A', await keyOf(adminOfA, 'USER'));
  const deactivated = await member(tenants.A.customer.id, 'CUSTOMER_ADMIN');
  clients.set('API key of deactivated CUSTOMER_ADMIN of A', await keyOf(deactivated.client, 'CUSTOMER_ADMIN'));
  await admin.expectJson(admin.patch(`/api/admin/users/${deactivated.user.id}`, { active: false }), 200);
  clients.set('deactivated CUSTOMER_ADMIN of A', deactivated.client);
  const ofC = await member(C.customer.id, 'CUSTOMER_ADMIN');
  clients.set('API key of CUSTOMER_ADMIN of a deactivated customer', await keyOf(ofC.client, 'CUSTOMER_ADMIN'));
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
    // Preparing a request may write (a void needs a fresh grant): the snapshot is taken after it.
    const { path, body, marker } = await ep.request(t, client);
    const before = { A: await snapshot(tenants.A), B: await snapshot(tenants.B) };
    const res = await client.request(ep.method, path, body);
    const text = await res.text();
    const detail = `${res.status} ${text.slice(0, 300)}`;

    if (want.kind === 'ok') {
      expect(res.status, detail).toBe(ep.successStatus);
      await ep.verifySuccess(t, ep.format === 'csv' ? text : JSON.parse(text), marker, before[target], client);
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
    if (want.byRole) {
      const forbidden = caller.key
        ? { error: 'Forbidden - API key lacks permission', details: `This API key does not have the ${ep.permission} permission` }
        : PERMISSIONS[ep.permission].forbidden;
      expect(json).toEqual({ ...forbidden, code: 'forbidden' });
    }

    // A refused request changed nothing anywhere: balances, counts, users, the ledger.
    if (ep.write) {
      expect(await snapshot(tenants.A)).toEqual(before.A);
      expect(await snapshot(tenants.B)).toEqual(before.B);
      if (ep.route === '/api/admin/users') expect(await usernameExists(marker!)).toBe(false);
      if (ep.route === '/api/admin/customers') expect(await customerNameExists(marker!)).toBe(false);
      await ep.verifyRefused?.(marker);
    }
  }, 20_000);
});
