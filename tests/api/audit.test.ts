/**
 * The audit log (item 11): every admin action and sign-in event, with actor, customer, target,
 * before/after (never a secret), address and user agent, written with the change it records;
 * GET /api/admin/audit with filters and paging, CSV export, scoped to the caller's customer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { attempt, clientWith, signOut } from '../support/auth';
import { auditEvents } from '../support/audit';
import { assertExactErrorShape, PASSWORD, server, superAdmin, tenant, testAddress, type ApiClient } from '../support/api';

let admin: ApiClient;
let adminId: number;
beforeAll(async () => {
  admin = await superAdmin();
  adminId = (await admin.expectJson(admin.get('/api/me'), 200)).user.id;
});

const base = () => server().baseUrl;

describe('what is recorded', () => {
  it('customer created and edited, user created, role changed, deactivated, activated, password changed, credits added', async () => {
    const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: unique('Audited'), maxUsers: 5 }), 201);
    await admin.expectJson(admin.patch(`/api/admin/customers/${customer.id}`, { maxUsers: 7, contactEmail: 'ops@example.com' }), 200);
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('audited'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    );
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { role: 'CUSTOMER_ADMIN' }), 200);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { active: false }), 200);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { active: true }), 200);
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { password: 'secret new password 9' }), 200);
    const added = await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 250, description: 'Audit me' }), 200);

    const events = await auditEvents(admin, { customerId: customer.id });
    const byAction = Object.fromEntries(events.map((e) => [e.action, e]));
    expect(events.map((e) => e.action)).toEqual([
      'credits.added',
      'user.password_changed',
      'user.activated',
      'user.deactivated',
      'user.role_changed',
      'user.created',
      'customer.updated',
      'customer.created',
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ actorId: adminId, actorUsername: server().adminUsername, customerId: customer.id, customerName: customer.name });
      expect(e.address).toBe('127.0.0.1');
      expect(typeof e.id).toBe('number');
      expect(Date.parse(e.createdAt)).not.toBeNaN();
    }
    expect(byAction['customer.created']).toMatchObject({ targetType: 'customer', targetId: customer.id, before: null, after: { name: customer.name, maxUsers: 5, status: 'active' } });
    expect(byAction['customer.updated']).toMatchObject({ before: { maxUsers: 5, contactEmail: null }, after: { maxUsers: 7, contactEmail: 'ops@example.com' } });
    expect(byAction['user.created']).toMatchObject({ targetType: 'user', targetId: user.id, after: { username: user.username, role: 'USER', customerId: customer.id } });
    expect(byAction['user.role_changed']).toMatchObject({ before: { role: 'USER' }, after: { role: 'CUSTOMER_ADMIN' } });
    expect(byAction['user.deactivated']).toMatchObject({ before: { active: true }, after: { active: false } });
    expect(byAction['user.activated']).toMatchObject({ before: { active: false }, after: { active: true } });
    expect(byAction['credits.added']).toMatchObject({
      targetType: 'credit_transaction',
      targetId: added.transaction.id,
      before: { balance: 0 },
      after: { balance: 250, amount: 250, type: 'admin_grant' },
    });
    // Never a password, a hash or a secret.
    const text = JSON.stringify(events);
    expect(text).not.toContain('secret new password 9');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/\$argon2/);
  });

  it('sign-in success and failure, sign-out and session revocation, with address and user agent', async () => {
    const { customer } = await tenant(admin);
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('signer'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    );
    const address = testAddress();
    const headers = { 'x-forwarded-for': address, 'user-agent': 'AuditTest/2.0' };
    await attempt(base(), user.username, 'wrong password', { headers });
    const ok = await attempt(base(), user.username, PASSWORD, { headers });
    const other = await attempt(base(), user.username, PASSWORD, { headers });
    const me = clientWith(base(), ok.sessionToken!);
    await me.expectJson(me.post('/api/me/sessions/revoke-all'), 200);
    await signOut(base(), ok.sessionToken!);
    expect(other.sessionToken).toBeTruthy();

    const events = await auditEvents(admin, { customerId: customer.id });
    const actions = events.map((e) => e.action);
    expect(actions.slice(0, 5)).toEqual(['auth.sign_out', 'session.revoked', 'auth.sign_in', 'auth.sign_in', 'auth.sign_in_failed']);
    const [signOutEvent, revoked, signIn, , failed] = events;
    expect(failed).toMatchObject({ actorId: null, targetType: 'user', targetId: user.id, after: { reason: 'wrong_password' }, address, userAgent: 'AuditTest/2.0' });
    expect(signIn).toMatchObject({ actorId: user.id, actorUsername: user.username, targetType: 'session', address, userAgent: 'AuditTest/2.0' });
    expect(revoked).toMatchObject({ actorId: user.id, after: { sessionsEnded: 1, allButCurrent: true } });
    expect(signOutEvent).toMatchObject({ actorId: user.id, targetType: 'session' });
  });

  it('a refused change records nothing (the event commits with the change or not at all)', async () => {
    const { customer } = await tenant(admin);
    const before = (await auditEvents(admin, { customerId: customer.id })).length;
    const taken = (await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('dup'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    )).user.username;
    await admin.expectJson(admin.post('/api/admin/users', { username: taken, password: PASSWORD, role: 'USER', customerId: customer.id }), 409);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 10_001, description: 'too much' }), 400);
    await admin.expectJson(admin.patch(`/api/admin/customers/${customer.id}`, { maxUsers: 0 }), 400);
    expect((await auditEvents(admin, { customerId: customer.id })).length).toBe(before + 1);
  });
});

describe('GET /api/admin/audit', () => {
  it('filters by action, actorId, customerId, from and to; pages; newest first', async () => {
    const { customer } = await tenant(admin);
    for (let i = 0; i < 3; i++) await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 1 + i, description: `p${i}` }), 200);
    const all = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${customer.id}&action=credits.added`), 200);
    expect(all.total).toBe(3);
    expect(all.items.map((e: any) => e.after.amount)).toEqual([3, 2, 1]);
    const page2 = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${customer.id}&action=credits.added&pageSize=2&page=2`), 200);
    expect(page2).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page2.items.map((e: any) => e.after.amount)).toEqual([1]);
    const byActor = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${customer.id}&actorId=${adminId}&action=credits.added`), 200);
    expect(byActor.total).toBe(3);
    const nobody = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${customer.id}&actorId=2000000000`), 200);
    expect(nobody.total).toBe(0);
    const middle = all.items[1].createdAt;
    const window = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${customer.id}&action=credits.added&from=${middle}&to=${middle}`), 200);
    expect(window.items.map((e: any) => e.after.amount)).toEqual([2]);
    const asc = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${customer.id}&action=credits.added&order=asc`), 200);
    expect(asc.items.map((e: any) => e.after.amount)).toEqual([1, 2, 3]);
    for (const bad of ['action=nope', 'actorId=abc', 'from=2024-02-30', 'pageSize=101', 'extra=1']) {
      assertExactErrorShape(await admin.expectJson(admin.get(`/api/admin/audit?${bad}`), 400));
    }
  });

  it("a CUSTOMER_ADMIN sees its own customer's events only; a USER none", async () => {
    const mine = await tenant(admin);
    const other = await tenant(admin);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: other.customer.id, amount: 5, description: 'elsewhere' }), 200);
    const ca = (await mine.makeUser('CUSTOMER_ADMIN')).client;
    const list = await ca.expectJson(ca.get('/api/admin/audit?pageSize=100'), 200);
    expect(list.items.length).toBeGreaterThan(0);
    for (const e of list.items) expect(e.customerId).toBe(mine.customer.id);
    assertExactErrorShape(await ca.expectJson(ca.get(`/api/admin/audit?customerId=${other.customer.id}`), 403));
    assertExactErrorShape(await ca.expectJson(ca.get(`/api/admin/audit/export?customerId=${other.customer.id}`), 403));
    const user = (await mine.makeUser('USER')).client;
    assertExactErrorShape(await user.expectJson(user.get('/api/admin/audit'), 403));
  });

  it('CSV export: the same events, one row each, JSON before/after, formula-safe', async () => {
    const { customer } = await tenant(admin);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 9, description: '=HYPERLINK("x")' }), 200);
    const res = await admin.get(`/api/admin/audit/export?customerId=${customer.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await res.text()).trim().split(/\r\n/);
    expect(lines[0]).toBe('id,created_at,action,actor_id,actor_username,customer_id,customer_name,target_type,target_id,before,after,address,user_agent,api_key_id,api_key_prefix');
    const listed = await auditEvents(admin, { customerId: customer.id });
    expect(lines.length - 1).toBe(listed.length);
    expect(lines[1]).toContain('credits.added');
    expect(lines[1]).toContain('""amount"":9');
  });
});
