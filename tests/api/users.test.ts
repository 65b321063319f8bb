import { beforeAll, describe, expect, it} from 'vitest';
import { unique } from '../support/db';
import {
  anonymous,
  assertErrorShape,
  PASSWORD,
  signedIn,
  signInAttempt,
  superAdmin,
  tenant,
  testAddress,
  type ApiClient,
} from '../support/api';

// Sign-ins hash passwords (argon2) and the API project sets no timeout of its own: allow for a busy machine.

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

const USER_KEYS = ['active', 'createdAt', 'customerId', 'customerName', 'email', 'id', 'lastLoginAt', 'monthlyCreditLimit', 'role', 'spentThisMonth', 'username'];

/** Sends, checks the status, and checks the raw JSON text never carries a password or a hash. */
async function call(client: ApiClient, res: Promise<Response>, status: number): Promise<any> {
  const r = await res;
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${text}`);
  if (status < 300) {
    expect(text).not.toMatch(/password/i);
    expect(text).not.toContain('$argon2');
    expect(text).not.toMatch(/password_?hash|passwordHash/i);
  }
  return JSON.parse(text);
}

async function createUser(client: ApiClient, body: Record<string, unknown>, status = 201) {
  return call(client, client.post('/api/admin/users', { password: PASSWORD, ...body }), status);
}

async function customerCounts(customerId: number) {
  const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${customerId}`), 200);
  return { userCount: customer.userCount, activeUserCount: customer.activeUserCount };
}

async function canSignIn(username: string, password: string): Promise<boolean> {
  const { sessionToken } = await signInAttempt(username, password, { headers: { 'x-forwarded-for': testAddress() } });
  return !!sessionToken;
}

describe('POST /api/admin/users', () => {
  it('creates a user: 201 { user } with the DTO fields and no password or hash anywhere', async () => {
    const { customer } = await tenant(admin);
    const username = unique('Alice');
    const body = await createUser(admin, { username: `  ${username} `, role: 'USER', customerId: customer.id });
    expect(Object.keys(body)).toEqual(['user']);
    expect(Object.keys(body.user).sort()).toEqual(USER_KEYS);
    expect(body.user).toMatchObject({
      username,
      role: 'USER',
      customerId: customer.id,
      customerName: customer.name,
      active: true,
      lastLoginAt: null,
    });
    expect(typeof body.user.id).toBe('number');
    expect(new Date(body.user.createdAt).toISOString()).toBe(body.user.createdAt);
    // The new user can sign in with the password it was given.
    const client = await signedIn(username, PASSWORD);
    expect(client.sessionToken).toBeTruthy();
    // ... and its last sign-in is recorded.
    const after = await call(admin, admin.get(`/api/admin/users/${body.user.id}`), 200);
    expect(after.user.lastLoginAt).not.toBeNull();
  });

  it('never returns a password or hash from GET, list or PATCH either', async () => {
    const { customer } = await tenant(admin);
    const { user } = await createUser(admin, { username: unique('hashless'), role: 'USER', customerId: customer.id });
    await call(admin, admin.get(`/api/admin/users/${user.id}`), 200);
    await call(admin, admin.get(`/api/admin/users?customerId=${customer.id}`), 200);
    await call(admin, admin.get('/api/admin/users?pageSize=100'), 200);
    await call(admin, admin.patch(`/api/admin/users/${user.id}`, { password: 'another long password' }), 200);
    await call(admin, admin.patch(`/api/admin/users/${user.id}`, { role: 'CUSTOMER_ADMIN' }), 200);
  });

  it('a username taken in any letter case is 409 and creates nothing', async () => {
    const { customer } = await tenant(admin);
    const other = await tenant(admin);
    const username = unique('Taken');
    await createUser(admin, { username, role: 'USER', customerId: customer.id });
    const before = await customerCounts(other.customer.id);
    for (const variant of [username, username.toUpperCase(), username.toLowerCase()]) {
      const res = await createUser(admin, { username: variant, role: 'USER', customerId: other.customer.id }, 409);
      assertErrorShape(res);
      expect(res.error).toBe('Username already exists');
    }
    expect(await customerCounts(other.customer.id)).toEqual(before);
    // The bootstrap admin's name is taken too.
    await createUser(admin, { username: 'ADMIN', role: 'USER', customerId: customer.id }, 409);
  });

  it.each([
    ['a too-short username', { username: 'ab' }, /Username must be/],
    ['a username with spaces', { username: 'a b c d' }, /Username must be/],
    ['a short password', { password: 'short' }, /at least 8/],
    ['an unknown role', { role: 'ROOT' }, /Role must be one of/],
    ['customerId as a string', { customerId: '1' }, /number/],
    ['an unknown field', { isAdmin: true }, /Unrecognized key/],
  ])('rejects %s with 400', async (_label, patch, message) => {
    const { customer } = await tenant(admin);
    const username = unique('bad');
    const res = await call(
      admin,
      admin.post('/api/admin/users', { username, password: PASSWORD, role: 'USER', customerId: customer.id, ...patch }),
      400,
    );
    assertErrorShape(res);
    expect(res.error).toMatch(message);
    expect(await customerCounts(customer.id)).toEqual({ userCount: 0, activeUserCount: 0 });
  });

  it('SUPER_ADMIN: CUSTOMER_ADMIN and USER need a customerId, a SUPER_ADMIN must have none', async () => {
    for (const role of ['CUSTOMER_ADMIN', 'USER']) {
      const res = await createUser(admin, { username: unique('orphan'), role }, 400);
      assertErrorShape(res);
      expect(res.details).toHaveProperty('customerId');
      const nul = await createUser(admin, { username: unique('orphan'), role, customerId: null }, 400);
      expect(nul.details).toHaveProperty('customerId');
    }
    const { customer } = await tenant(admin);
    const res = await createUser(admin, { username: unique('superWithTenant'), role: 'SUPER_ADMIN', customerId: customer.id }, 400);
    assertErrorShape(res);
    const missing = await createUser(admin, { username: unique('ghostTenant'), role: 'USER', customerId: 2_000_000_000 }, 404);
    assertErrorShape(missing);
    const { user } = await createUser(admin, { username: unique('super'), role: 'SUPER_ADMIN' });
    expect(user).toMatchObject({ role: 'SUPER_ADMIN', customerId: null, customerName: null });
  });

  it('CUSTOMER_ADMIN creates users only in its own customer, and never a SUPER_ADMIN', async () => {
    const mine = await tenant(admin);
    const other = await tenant(admin);
    const ca = (await mine.makeUser('CUSTOMER_ADMIN')).client;

    const implicit = await createUser(ca, { username: unique('implicit'), role: 'USER' });
    expect(implicit.user.customerId).toBe(mine.customer.id);
    const explicit = await createUser(ca, { username: unique('explicit'), role: 'CUSTOMER_ADMIN', customerId: mine.customer.id });
    expect(explicit.user).toMatchObject({ customerId: mine.customer.id, role: 'CUSTOMER_ADMIN' });

    const otherBefore = await customerCounts(other.customer.id);
    const foreign = unique('foreign');
    assertErrorShape(await createUser(ca, { username: foreign, role: 'USER', customerId: other.customer.id }, 403));
    expect(await customerCounts(other.customer.id)).toEqual(otherBefore);

    const mineBefore = await customerCounts(mine.customer.id);
    const sa = unique('wannabe');
    const res = await createUser(ca, { username: sa, role: 'SUPER_ADMIN' }, 403);
    assertErrorShape(res);
    await createUser(ca, { username: unique('wannabe'), role: 'SUPER_ADMIN', customerId: mine.customer.id }, 403);
    expect(await customerCounts(mine.customer.id)).toEqual(mineBefore);

    // None of the refused usernames exist.
    for (const name of [foreign, sa]) {
      const list = await call(admin, admin.get(`/api/admin/users?search=${encodeURIComponent(name)}`), 200);
      expect(list.total).toBe(0);
    }
  });

  it('a USER and a signed-out caller cannot create users', async () => {
    const mine = await tenant(admin);
    const user = (await mine.makeUser('USER')).client;
    const before = await customerCounts(mine.customer.id);
    assertErrorShape(await createUser(user, { username: unique('byUser'), role: 'USER' }, 403));
    assertErrorShape(await createUser(anonymous(), { username: unique('byAnon'), role: 'USER', customerId: mine.customer.id }, 401));
    expect(await customerCounts(mine.customer.id)).toEqual(before);
  });
});

describe('max_users', () => {
  it('counts active users: 409 at the limit, a deactivation frees a seat, reactivating beyond it is 409', async () => {
    const { customer } = await tenant(admin, { maxUsers: 2 });
    const a = (await createUser(admin, { username: unique('seatA'), role: 'CUSTOMER_ADMIN', customerId: customer.id })).user;
    const b = (await createUser(admin, { username: unique('seatB'), role: 'USER', customerId: customer.id })).user;

    const third = unique('seatC');
    const full = await createUser(admin, { username: third, role: 'USER', customerId: customer.id }, 409);
    assertErrorShape(full);
    expect(full.error).toBe('User limit reached');
    expect(full.details).toMatch(/at most 2 active users/);
    expect(await customerCounts(customer.id)).toEqual({ userCount: 2, activeUserCount: 2 });

    // The tenant's own admin hits the same limit.
    const ca = await signedIn(a.username, PASSWORD);
    expect((await createUser(ca, { username: unique('seatD'), role: 'USER' }, 409)).error).toBe('User limit reached');

    // Deactivating one frees its seat.
    await call(admin, admin.patch(`/api/admin/users/${b.id}`, { active: false }), 200);
    expect(await customerCounts(customer.id)).toEqual({ userCount: 2, activeUserCount: 1 });
    const c = (await createUser(admin, { username: third, role: 'USER', customerId: customer.id })).user;
    expect(await customerCounts(customer.id)).toEqual({ userCount: 3, activeUserCount: 2 });

    // Reactivating b now would make three active users.
    const again = await call(admin, admin.patch(`/api/admin/users/${b.id}`, { active: true }), 409);
    expect(again.error).toBe('User limit reached');
    expect((await call(admin, admin.get(`/api/admin/users/${b.id}`), 200)).user.active).toBe(false);
    expect(await customerCounts(customer.id)).toEqual({ userCount: 3, activeUserCount: 2 });

    // Raising the limit lets it back in.
    await admin.expectJson(admin.patch(`/api/admin/customers/${customer.id}`, { maxUsers: 3 }), 200);
    const back = await call(admin, admin.patch(`/api/admin/users/${b.id}`, { active: true }), 200);
    expect(back.user.active).toBe(true);
    expect(await customerCounts(customer.id)).toEqual({ userCount: 3, activeUserCount: 3 });
    expect(c.active).toBe(true);
  });

  it('concurrent creations cannot overshoot the limit', async () => {
    const { customer } = await tenant(admin, { maxUsers: 3 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        admin.post('/api/admin/users', { username: unique('race'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    expect(await customerCounts(customer.id)).toEqual({ userCount: 3, activeUserCount: 3 });
  }, 20_000);
});

describe('PATCH /api/admin/users/:id', () => {
  it('changes role between USER and CUSTOMER_ADMIN, with effect on the next request: the old session ends, the next one has the new role', async () => {
    const mine = await tenant(admin);
    const u = await mine.makeUser('USER');
    await u.client.expectJson(u.client.get('/api/admin/users'), 403);

    const promoted = await call(admin, admin.patch(`/api/admin/users/${u.user.id}`, { role: 'CUSTOMER_ADMIN' }), 200);
    expect(promoted.user).toMatchObject({ id: u.user.id, role: 'CUSTOMER_ADMIN', active: true });
    // A role change ends the user's sessions: the next request with the old cookie is refused …
    expect((await call(u.client, u.client.get('/api/admin/users'), 401)).details).toMatch(/role was changed/);
    // … and the next sign-in has the new powers.
    const again = await signedIn(u.user.username, PASSWORD);
    const list = await again.expectJson(again.get('/api/admin/users'), 200);
    expect(list.items.map((x: { id: number }) => x.id)).toContain(u.user.id);

    const demoted = await call(admin, admin.patch(`/api/admin/users/${u.user.id}`, { role: 'USER' }), 200);
    expect(demoted.user.role).toBe('USER');
    await again.expectJson(again.get('/api/admin/users'), 401);
    const demotedSession = await signedIn(u.user.username, PASSWORD);
    await demotedSession.expectJson(demotedSession.get('/api/admin/users'), 403);
  });

  it('a CUSTOMER_ADMIN can promote and demote within its customer, but not to or from SUPER_ADMIN', async () => {
    const mine = await tenant(admin);
    const ca = await mine.makeUser('CUSTOMER_ADMIN');
    const u = await mine.makeUser('USER');
    expect((await call(ca.client, ca.client.patch(`/api/admin/users/${u.user.id}`, { role: 'CUSTOMER_ADMIN' }), 200)).user.role).toBe(
      'CUSTOMER_ADMIN',
    );
    expect((await call(ca.client, ca.client.patch(`/api/admin/users/${u.user.id}`, { role: 'USER' }), 200)).user.role).toBe('USER');
    const res = await call(ca.client, ca.client.patch(`/api/admin/users/${u.user.id}`, { role: 'SUPER_ADMIN' }), 400);
    assertErrorShape(res);
    expect((await call(admin, admin.get(`/api/admin/users/${u.user.id}`), 200)).user.role).toBe('USER');
    // The SUPER_ADMIN can't do it either: SUPER_ADMIN is never given by a role change.
    await call(admin, admin.patch(`/api/admin/users/${u.user.id}`, { role: 'SUPER_ADMIN' }), 400);
    expect((await call(admin, admin.get(`/api/admin/users/${u.user.id}`), 200)).user.role).toBe('USER');
  });

  it('active false/true: a deactivated user cannot sign in, a reactivated one can', async () => {
    const mine = await tenant(admin);
    const u = await mine.makeUser('USER');
    const off = await call(admin, admin.patch(`/api/admin/users/${u.user.id}`, { active: false }), 200);
    expect(off.user.active).toBe(false);
    expect(await canSignIn(u.user.username, PASSWORD)).toBe(false);
    const on = await call(admin, admin.patch(`/api/admin/users/${u.user.id}`, { active: true }), 200);
    expect(on.user.active).toBe(true);
    expect(await canSignIn(u.user.username, PASSWORD)).toBe(true);
  });

  it('a password change: the old password stops working, the new one works', async () => {
    const mine = await tenant(admin);
    const ca = await mine.makeUser('CUSTOMER_ADMIN');
    const u = await mine.makeUser('USER');
    const fresh = 'a brand new passphrase';
    await call(ca.client, ca.client.patch(`/api/admin/users/${u.user.id}`, { password: fresh }), 200);
    expect(await canSignIn(u.user.username, PASSWORD)).toBe(false);
    expect(await canSignIn(u.user.username, fresh)).toBe(true);
    // A too-short new password is refused and the current one keeps working.
    await call(admin, admin.patch(`/api/admin/users/${u.user.id}`, { password: 'short' }), 400);
    expect(await canSignIn(u.user.username, fresh)).toBe(true);
  });

  it('nobody can deactivate themselves or change their own role (409)', async () => {
    const mine = await tenant(admin);
    const ca = await mine.makeUser('CUSTOMER_ADMIN');
    const res = await call(ca.client, ca.client.patch(`/api/admin/users/${ca.user.id}`, { active: false }), 409);
    assertErrorShape(res);
    await call(ca.client, ca.client.patch(`/api/admin/users/${ca.user.id}`, { role: 'USER' }), 409);
    // Still an active CUSTOMER_ADMIN with a working session.
    const me = await call(ca.client, ca.client.get(`/api/admin/users/${ca.user.id}`), 200);
    expect(me.user).toMatchObject({ active: true, role: 'CUSTOMER_ADMIN' });

    // A second SUPER_ADMIN can't lock itself out either.
    const name = unique('super2');
    await createUser(admin, { username: name, role: 'SUPER_ADMIN' });
    const sa2 = await signedIn(name, PASSWORD);
    const { items } = await call(sa2, sa2.get(`/api/admin/users?search=${name}`), 200);
    await call(sa2, sa2.patch(`/api/admin/users/${items[0].id}`, { active: false }), 409);
    await call(sa2, sa2.get('/api/admin/users?pageSize=1'), 200);
    // Changing one's own password is fine.
    await call(ca.client, ca.client.patch(`/api/admin/users/${ca.user.id}`, { password: 'my own new passphrase' }), 200);
  });

  it('rejects an empty patch, unknown fields and bad values with 400', async () => {
    const mine = await tenant(admin);
    const u = await mine.makeUser('USER');
    const before = (await call(admin, admin.get(`/api/admin/users/${u.user.id}`), 200)).user;
    for (const body of [{}, { username: 'rename' }, { active: 'false' }, { role: 'ROOT' }, { customerId: 1 }]) {
      assertErrorShape(await call(admin, admin.patch(`/api/admin/users/${u.user.id}`, body), 400));
    }
    assertErrorShape(await call(admin, admin.patch('/api/admin/users/abc', { active: true }), 400));
    assertErrorShape(await call(admin, admin.patch('/api/admin/users/2000000000', { active: true }), 404));
    expect((await call(admin, admin.get(`/api/admin/users/${u.user.id}`), 200)).user).toEqual(before);
  });

  it("a CUSTOMER_ADMIN can't touch another tenant's users or a SUPER_ADMIN (404, nothing changes)", async () => {
    const mine = await tenant(admin);
    const other = await tenant(admin);
    const ca = await mine.makeUser('CUSTOMER_ADMIN');
    const victim = await other.makeUser('USER');
    for (const patch of [{ active: false }, { role: 'CUSTOMER_ADMIN' }, { password: 'hijacked password' }]) {
      assertErrorShape(await call(ca.client, ca.client.patch(`/api/admin/users/${victim.user.id}`, patch), 404));
    }
    const after = await call(admin, admin.get(`/api/admin/users/${victim.user.id}`), 200);
    expect(after.user).toMatchObject({ active: true, role: 'USER' });
    expect(await canSignIn(victim.user.username, PASSWORD)).toBe(true);

    const { items } = await call(admin, admin.get('/api/admin/users?search=admin&role=SUPER_ADMIN&pageSize=100'), 200);
    const root = items.find((x: { username: string }) => x.username === 'admin');
    expect(root).toBeTruthy();
    assertErrorShape(await call(ca.client, ca.client.patch(`/api/admin/users/${root.id}`, { password: 'hijacked password' }), 404));
    assertErrorShape(await call(ca.client, ca.client.get(`/api/admin/users/${root.id}`), 404));
  });
});

describe('GET /api/admin/users (list) and /:id', () => {
  it('filters by customerId, search, role and active, and pages', async () => {
    const mine = await tenant(admin);
    const prefix = unique('lst');
    const made: any[] = [];
    for (const [suffix, role] of [
      ['ann', 'CUSTOMER_ADMIN'],
      ['bob', 'USER'],
      ['cid', 'USER'],
      ['dee', 'USER'],
      ['eve', 'CUSTOMER_ADMIN'],
    ] as const) {
      made.push((await createUser(admin, { username: `${prefix}.${suffix}`, role, customerId: mine.customer.id })).user);
    }
    await call(admin, admin.patch(`/api/admin/users/${made[2].id}`, { active: false }), 200);
    const ids = (list: any) => list.items.map((u: { id: number }) => u.id);
    const base = `/api/admin/users?customerId=${mine.customer.id}`;

    const all = await call(admin, admin.get(base), 200);
    expect(Object.keys(all).sort()).toEqual(['items', 'page', 'pageSize', 'total']);
    expect(all).toMatchObject({ total: 5, page: 1, pageSize: 25 });
    expect(ids(all)).toEqual(made.map((u) => u.id));
    for (const u of all.items) expect(Object.keys(u).sort()).toEqual(USER_KEYS);

    expect(ids(await call(admin, admin.get(`${base}&role=CUSTOMER_ADMIN`), 200))).toEqual([made[0].id, made[4].id]);
    expect(ids(await call(admin, admin.get(`${base}&role=USER&active=true`), 200))).toEqual([made[1].id, made[3].id]);
    expect(ids(await call(admin, admin.get(`${base}&active=false`), 200))).toEqual([made[2].id]);
    // Search is case-insensitive, substring, across customers when no customerId is given.
    expect(ids(await call(admin, admin.get(`/api/admin/users?search=${prefix.toUpperCase()}.B`), 200))).toEqual([made[1].id]);
    expect(ids(await call(admin, admin.get(`/api/admin/users?search=${prefix}&active=true&role=USER`), 200))).toEqual([
      made[1].id,
      made[3].id,
    ]);
    // Paging.
    const p1 = await call(admin, admin.get(`${base}&pageSize=2&page=1`), 200);
    const p3 = await call(admin, admin.get(`${base}&pageSize=2&page=3`), 200);
    const p4 = await call(admin, admin.get(`${base}&pageSize=2&page=4`), 200);
    expect(ids(p1)).toEqual([made[0].id, made[1].id]);
    expect(ids(p3)).toEqual([made[4].id]);
    expect(p4).toMatchObject({ items: [], total: 5, page: 4, pageSize: 2 });
    // Sort.
    const desc = await call(admin, admin.get(`${base}&sort=username&order=desc`), 200);
    expect(ids(desc)).toEqual([...made].reverse().map((u) => u.id));
  });

  it.each([
    'customerId=abc',
    'customerId=0',
    'role=ROOT',
    'active=yes',
    'page=0',
    'pageSize=101',
    'sort=password_hash',
    'order=up',
    'tenant=1',
  ])('rejects ?%s with 400', async (query) => {
    assertErrorShape(await call(admin, admin.get(`/api/admin/users?${query}`), 400));
  });

  it("is scoped for a CUSTOMER_ADMIN: another tenant's users are invisible", async () => {
    const mine = await tenant(admin);
    const other = await tenant(admin);
    const ca = await mine.makeUser('CUSTOMER_ADMIN');
    const own = await mine.makeUser('USER');
    const theirs = await other.makeUser('USER');

    const list = await call(ca.client, ca.client.get('/api/admin/users?pageSize=100'), 200);
    expect(list.total).toBe(2);
    expect(list.items.map((u: { id: number }) => u.id).sort()).toEqual([ca.user.id, own.user.id].sort());
    for (const u of list.items) expect(u.customerId).toBe(mine.customer.id);

    const search = await call(ca.client, ca.client.get(`/api/admin/users?search=${theirs.user.username}`), 200);
    expect(search).toMatchObject({ total: 0, items: [] });
    const superAdmins = await call(ca.client, ca.client.get('/api/admin/users?role=SUPER_ADMIN'), 200);
    expect(superAdmins.total).toBe(0);
    assertErrorShape(await call(ca.client, ca.client.get(`/api/admin/users?customerId=${other.customer.id}`), 403));
    await call(ca.client, ca.client.get(`/api/admin/users?customerId=${mine.customer.id}`), 200);

    const mineOne = await call(ca.client, ca.client.get(`/api/admin/users/${own.user.id}`), 200);
    expect(mineOne.user).toMatchObject({ id: own.user.id, username: own.user.username });
    const hidden = await call(ca.client, ca.client.get(`/api/admin/users/${theirs.user.id}`), 404);
    assertErrorShape(hidden);
    // Indistinguishable from an id that doesn't exist at all.
    const nowhere = await call(ca.client, ca.client.get('/api/admin/users/2000000000'), 404);
    expect(hidden.error).toBe(nowhere.error);
  });

  it('GET /:id: 404 for a missing id, 400 for a malformed one', async () => {
    assertErrorShape(await call(admin, admin.get('/api/admin/users/2000000000'), 404));
    for (const bad of ['abc', '0', '-3', '2.5']) assertErrorShape(await call(admin, admin.get(`/api/admin/users/${bad}`), 400));
  });

  it('a USER and a signed-out caller are refused', async () => {
    const mine = await tenant(admin);
    const u = await mine.makeUser('USER');
    assertErrorShape(await call(u.client, u.client.get('/api/admin/users'), 403));
    assertErrorShape(await call(u.client, u.client.get(`/api/admin/users/${u.user.id}`), 403));
    assertErrorShape(await call(u.client, u.client.patch(`/api/admin/users/${u.user.id}`, { password: 'self service pw' }), 403));
    assertErrorShape(await call(anonymous(), anonymous().get('/api/admin/users'), 401));
    assertErrorShape(await call(anonymous(), anonymous().get(`/api/admin/users/${u.user.id}`), 401));
  });
});
