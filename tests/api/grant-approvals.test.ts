/**
 * The grant controls on a server of their own (GRANT_APPROVAL_THRESHOLD=1000,
 * CUSTOMER_ADMIN_SELF_GRANTS=approval, ADMIN_DAILY_GRANT_LIMIT=30000): a grant above the threshold
 * answers 202 and books nothing until another SUPER_ADMIN approves it; self-approval is a 403; an
 * approval expires after 7 days; of a concurrent approve and reject exactly one wins; a batch above
 * the threshold waits for one approval; the daily limit is a 409.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { assertExactErrorShape, PASSWORD } from '../support/api';
import { sleep } from '../support/auth';
import { ApiClient } from '../support/http-client';
import { freePort, startServer, type RunningServer } from '../support/server';

let srv: RunningServer;
let admin: ApiClient;
let dbUrl: string;

beforeAll(async () => {
  const port = await freePort();
  srv = await startServer({
    GRANT_APPROVAL_THRESHOLD: '1000',
    CUSTOMER_ADMIN_SELF_GRANTS: 'approval',
    ADMIN_DAILY_GRANT_LIMIT: '30000',
    PGLITE_SOCKET_PORT: String(port),
  });
  // The test backdates an approval in the server's own database: PostgreSQL, or the embedded one over its socket.
  dbUrl = srv.databaseUrl ?? `postgres://postgres@127.0.0.1:${port}/postgres`;
  admin = await signIn(srv.adminUsername, srv.adminPassword);
}, 180_000);

afterAll(async () => {
  await srv?.stop();
});

async function signIn(username: string, password: string) {
  const c = new ApiClient(srv.baseUrl);
  await c.signIn(username, password);
  if (!c.sessionToken) throw new Error(`sign-in as ${username} failed`);
  return c;
}
async function newSuperAdmin() {
  const username = unique('approver');
  await admin.expectJson(admin.post('/api/admin/users', { username, password: PASSWORD, role: 'SUPER_ADMIN' }), 201);
  return { username, client: await signIn(username, PASSWORD) };
}
async function newCustomer() {
  return (await admin.expectJson(admin.post('/api/admin/customers', { name: unique('Approvals'), maxUsers: 10 }), 201)).customer as { id: number; name: string };
}
const balanceOf = async (id: number) => (await admin.expectJson(admin.get(`/api/admin/customers/${id}`), 200)).customer.creditBalance as number;
const key = () => ({ 'idempotency-key': crypto.randomUUID() });
async function sql(text: string, params: unknown[]) {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

describe('a grant above GRANT_APPROVAL_THRESHOLD', () => {
  it('waits (202, nothing booked); the requester may not approve it (403); a second SUPER_ADMIN does, and the row is the requester\'s', async () => {
    const alice = await newSuperAdmin();
    const bob = await newSuperAdmin();
    const c = await newCustomer();
    const pending = await alice.client.expectJson(alice.client.post('/api/admin/credits/add', { customerId: c.id, amount: 5000, description: 'Q4 campaign' }), 202);
    expect(pending.approval).toMatchObject({ status: 'pending', customerId: c.id, amount: 5000, description: 'Q4 campaign', requestedBy: alice.username });
    expect(pending.message).toMatch(/approv/i);
    expect(await balanceOf(c.id)).toBe(0);

    const list = await bob.client.expectJson(bob.client.get('/api/admin/credits/approvals?status=pending&pageSize=100'), 200);
    expect(list).toMatchObject({ page: 1, pageSize: 100 });
    expect(list.items.map((a: { id: number }) => a.id)).toContain(pending.approval.id);

    const self = await alice.client.post(`/api/admin/credits/approvals/${pending.approval.id}/approve`);
    expect(self.status).toBe(403);
    expect(assertExactErrorShape(await self.json()).details).toMatch(/own request/);
    expect(await balanceOf(c.id)).toBe(0);

    const approved = await bob.client.expectJson(bob.client.post(`/api/admin/credits/approvals/${pending.approval.id}/approve`), 200);
    expect(approved).toMatchObject({
      success: true,
      message: 'Credits added successfully',
      transaction: { customerId: c.id, amount: 5000, balanceBefore: 0, balanceAfter: 5000, description: `[ADMIN] Q4 campaign (Added by: ${alice.username})` },
      approval: { status: 'approved', decidedBy: bob.username, transactionId: expect.any(Number) },
    });
    const { items } = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${c.id}&source=manual_admin`), 200);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ username: alice.username });
    expect(items[0].paymentId).toMatch(/^MANUAL_ADMIN_\d+_\d{13}$/);
    const audit = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${c.id}&pageSize=100`), 200);
    const actions = audit.items.map((e: { action: string; actor: { username: string } | null; actorUsername?: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['credits.approval_requested', 'credits.added', 'credits.approval_approved']));
    expect(JSON.stringify(audit.items.find((e: { action: string }) => e.action === 'credits.approval_approved'))).toContain(bob.username);

    // Decided once: approving or rejecting again is a 409.
    expect((await bob.client.post(`/api/admin/credits/approvals/${pending.approval.id}/approve`)).status).toBe(409);
    expect((await bob.client.post(`/api/admin/credits/approvals/${pending.approval.id}/reject`, { reason: 'late' })).status).toBe(409);
    // At the threshold: booked at once, as the guide's add.
    const small = await alice.client.expectJson(alice.client.post('/api/admin/credits/add', { customerId: c.id, amount: 1000, description: 'small' }), 200);
    expect(small).toMatchObject({ success: true, message: 'Credits added successfully' });
  });

  it('a concurrent approve and reject: exactly one wins', async () => {
    const [alice, bob, carol] = [await newSuperAdmin(), await newSuperAdmin(), await newSuperAdmin()];
    for (let round = 0; round < 3; round++) {
      const c = await newCustomer();
      const { approval } = await alice.client.expectJson(alice.client.post('/api/admin/credits/add', { customerId: c.id, amount: 2000, description: 'race' }), 202);
      const [approve, reject] = await Promise.all([
        bob.client.post(`/api/admin/credits/approvals/${approval.id}/approve`),
        carol.client.post(`/api/admin/credits/approvals/${approval.id}/reject`, { reason: 'no' }),
      ]);
      expect([approve.status, reject.status].sort()).toEqual([200, 409]);
      expect(await balanceOf(c.id)).toBe(approve.status === 200 ? 2000 : 0);
    }
  });

  it('expires after 7 days: listed as expired, and approving it is a 409', async () => {
    const [alice, bob] = [await newSuperAdmin(), await newSuperAdmin()];
    const c = await newCustomer();
    const { approval } = await alice.client.expectJson(alice.client.post('/api/admin/credits/add', { customerId: c.id, amount: 1500, description: 'forgotten' }), 202);
    expect(Date.parse(approval.expiresAt) - Date.parse(approval.requestedAt)).toBe(7 * 86_400_000);
    await sql(`UPDATE grant_approvals SET requested_at = requested_at - interval '7 days 1 second', deadline = deadline - interval '7 days 1 second' WHERE id = $1`, [approval.id]);
    const expired = await admin.expectJson(admin.get(`/api/admin/credits/approvals?status=expired&customerId=${c.id}`), 200);
    expect(expired.items).toEqual([expect.objectContaining({ id: approval.id, status: 'expired' })]);
    const pendingNow = await admin.expectJson(admin.get(`/api/admin/credits/approvals?status=pending&customerId=${c.id}`), 200);
    expect(pendingNow.total).toBe(0);
    const res = await bob.client.post(`/api/admin/credits/approvals/${approval.id}/approve`);
    expect(res.status).toBe(409);
    expect((await res.json()).error).toBe('Approval expired');
    expect(await balanceOf(c.id)).toBe(0);
  });

  it('a rejection needs a reason and books nothing', async () => {
    const [alice, bob] = [await newSuperAdmin(), await newSuperAdmin()];
    const c = await newCustomer();
    const { approval } = await alice.client.expectJson(alice.client.post('/api/admin/credits/add', { customerId: c.id, amount: 1001, description: 'r' }), 202);
    expect((await bob.client.post(`/api/admin/credits/approvals/${approval.id}/reject`, {})).status).toBe(400);
    const rejected = await bob.client.expectJson(bob.client.post(`/api/admin/credits/approvals/${approval.id}/reject`, { reason: 'Not budgeted' }), 200);
    expect(rejected.approval).toMatchObject({ status: 'rejected', reason: 'Not budgeted', decidedBy: bob.username });
    expect(await balanceOf(c.id)).toBe(0);
  });
});

describe('CUSTOMER_ADMIN_SELF_GRANTS=approval', () => {
  it("a customer admin's grant to its own customer waits, however small; the customer admin sees it but can't approve", async () => {
    const c = await newCustomer();
    const username = unique('ca');
    await admin.expectJson(admin.post('/api/admin/users', { username, password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: c.id }), 201);
    const ca = await signIn(username, PASSWORD);
    const { approval } = await ca.expectJson(ca.post('/api/admin/credits/add', { customerId: c.id, amount: 1, description: 'mine' }), 202);
    expect(await balanceOf(c.id)).toBe(0);
    const own = await ca.expectJson(ca.get('/api/admin/credits/approvals'), 200);
    expect(own.items.map((a: { id: number }) => a.id)).toEqual([approval.id]);
    expect((await ca.post(`/api/admin/credits/approvals/${approval.id}/approve`)).status).toBe(403);
    await admin.expectJson(admin.post(`/api/admin/credits/approvals/${approval.id}/approve`), 200);
    expect(await balanceOf(c.id)).toBe(1);
  });
});

describe('a bulk batch above the threshold', () => {
  it('waits for one approval of the whole batch, then runs', async () => {
    const [alice, bob] = [await newSuperAdmin(), await newSuperAdmin()];
    const [a, b] = [await newCustomer(), await newCustomer()];
    const submitted = await alice.client.expectJson(
      alice.client.post('/api/admin/credits/bulk', { rows: [{ customerId: a.id, amount: 800, description: 'bulk' }, { customerId: b.id, amount: 700, description: 'bulk' }] }, key()),
      202,
    );
    expect(submitted.approval).toMatchObject({ status: 'pending', batchId: submitted.batchId, customerId: null, amount: 1500 });
    await sleep(1_500);
    const waiting = await alice.client.expectJson(alice.client.get(`/api/admin/credits/bulk/${submitted.batchId}`), 200);
    expect(waiting).toMatchObject({ status: 'pending_approval', processed: 0, approval: { id: submitted.approval.id, status: 'pending' } });
    expect((await alice.client.post(`/api/admin/credits/approvals/${submitted.approval.id}/approve`)).status).toBe(403);
    const ok = await bob.client.expectJson(bob.client.post(`/api/admin/credits/approvals/${submitted.approval.id}/approve`), 200);
    expect(ok).toMatchObject({ success: true, batchId: submitted.batchId });
    for (let i = 0; ; i++) {
      const b2 = await alice.client.expectJson(alice.client.get(`/api/admin/credits/bulk/${submitted.batchId}`), 200);
      if (b2.status === 'done') {
        expect(b2).toMatchObject({ succeeded: 2, failed: 0 });
        break;
      }
      if (i > 60) throw new Error('batch never ran');
      await sleep(500);
    }
    expect([await balanceOf(a.id), await balanceOf(b.id)]).toEqual([800, 700]);
  });
});

describe('ADMIN_DAILY_GRANT_LIMIT', () => {
  it('past 30,000 credits in one UTC day an admin gets a 409 saying what is left; nothing is booked', async () => {
    const alice = await newSuperAdmin();
    const c = await newCustomer();
    for (let i = 0; i < 30; i++) await alice.client.expectJson(alice.client.post('/api/admin/credits/add', { customerId: c.id, amount: 1000, description: `day ${i}` }), 200);
    const res = await alice.client.post('/api/admin/credits/add', { customerId: c.id, amount: 1, description: 'one more' });
    expect(res.status).toBe(409);
    const body = assertExactErrorShape(await res.json());
    expect(body).toMatchObject({ error: 'Daily grant limit reached', code: 'daily_limit_reached' });
    expect(body.details).toMatch(/at most 30,000 credits per UTC day.*granted or requested 30,000 today, so 0 more/);
    expect(await balanceOf(c.id)).toBe(30_000);
    const bulk = await alice.client.post('/api/admin/credits/bulk', { rows: [{ customerId: c.id, amount: 1, description: 'x' }] }, key());
    expect(bulk.status).toBe(409);
  });
});
