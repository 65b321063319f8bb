import pg from 'pg';
import { beforeAll, describe, expect, it} from 'vitest';
import { unique } from '../support/db';
import { anonymous, assertErrorShape, server, superAdmin, tenant, type ApiClient } from '../support/api';

// Sign-ins hash passwords (argon2) and the API project sets no timeout of its own: allow for a busy machine.

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

const REQUIRED_KEYS = [
  'customerName',
  'username',
  'type',
  'amount',
  'balanceBefore',
  'balanceAfter',
  'description',
  'paymentId',
  'createdAt',
];

type Row = Record<string, any>;

async function list(client: ApiClient, query: string, status = 200): Promise<any> {
  return client.expectJson(client.get(`/api/admin/credits/transactions${query ? `?${query}` : ''}`), status);
}

const ids = (page: { items: Row[] }) => page.items.map((r) => r.id);

/** A customer with a CUSTOMER_ADMIN, four admin grants (three by the super admin, one by the tenant admin). */
async function ledgerFixture() {
  const t = await tenant(admin);
  const ca = await t.makeUser('CUSTOMER_ADMIN');
  const grants: Row[] = [];
  for (const [client, amount] of [
    [admin, 10],
    [admin, 20],
    [ca.client, 5],
    [admin, 30],
  ] as const) {
    const { transaction } = await client.expectJson(
      client.post('/api/admin/credits/add', { customerId: t.customer.id, amount, description: `grant ${amount}` }),
      200,
    );
    grants.push(transaction);
    // Distinct milliseconds, so time filters can tell the rows apart.
    await new Promise((r) => setTimeout(r, 5));
  }
  return { ...t, ca, grants };
}

describe('GET /api/admin/credits/transactions', () => {
  it('lists a customer\'s rows newest first with customerName, username, type, amounts, description, paymentId, createdAt', async () => {
    const { customer, ca, grants } = await ledgerFixture();
    const page = await list(admin, `customerId=${customer.id}`);
    expect(Object.keys(page).sort()).toEqual(['items', 'page', 'pageSize', 'total']);
    expect(page).toMatchObject({ total: 4, page: 1, pageSize: 25 });
    expect(ids(page)).toEqual(grants.map((g) => g.id).reverse());

    for (const row of page.items) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(REQUIRED_KEYS));
      for (const k of ['id', 'amount', 'balanceBefore', 'balanceAfter']) expect(typeof row[k], k).toBe('number');
      expect(new Date(row.createdAt).toISOString()).toBe(row.createdAt);
      expect(row.customerName).toBe(customer.name);
      expect(row.type).toBe('admin_grant');
      expect(row.balanceAfter).toBe(row.balanceBefore + row.amount);
    }
    const [newest, byTenantAdmin] = page.items;
    expect(newest).toMatchObject({
      amount: 30,
      balanceBefore: 35,
      balanceAfter: 65,
      description: '[ADMIN] grant 30 (Added by: admin)',
      username: 'admin',
    });
    expect(newest.paymentId).toMatch(/^MANUAL_ADMIN_\d+_\d{13}$/);
    expect(byTenantAdmin).toMatchObject({ amount: 5, username: ca.user.username, description: `[ADMIN] grant 5 (Added by: ${ca.user.username})` });
    expect(byTenantAdmin.paymentId).toMatch(new RegExp(`^MANUAL_ADMIN_${ca.user.id}_\\d{13}$`));
    // createdAt never increases down the list.
    const times = page.items.map((r: Row) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('without customerId the super admin sees every customer, newest first', async () => {
    const one = await ledgerFixture();
    const two = await ledgerFixture();
    const page = await list(admin, 'pageSize=100');
    const mine = page.items.filter((r: Row) => [one.customer.id, two.customer.id].includes(r.customerId));
    expect(mine.map((r: Row) => r.id)).toEqual([...one.grants, ...two.grants].map((g) => g.id).reverse());
    const allIds: number[] = ids(page);
    expect([...allIds].sort((a, b) => b - a)).toEqual(allIds);
    expect(page.total).toBeGreaterThanOrEqual(8);
  });

  it('filters by customerId and userId', async () => {
    const one = await ledgerFixture();
    const two = await ledgerFixture();
    const p = await list(admin, `customerId=${two.customer.id}`);
    expect(ids(p)).toEqual(two.grants.map((g) => g.id).reverse());
    for (const r of p.items) expect(r.customerId).toBe(two.customer.id);

    const byCa = await list(admin, `userId=${one.ca.user.id}`);
    expect(ids(byCa)).toEqual([one.grants[2]!.id]);
    expect(byCa.items[0]).toMatchObject({ userId: one.ca.user.id, username: one.ca.user.username });
    expect(byCa.total).toBe(1);

    const combined = await list(admin, `customerId=${one.customer.id}&userId=${two.ca.user.id}`);
    expect(combined).toMatchObject({ total: 0, items: [] });
  });

  it('filters by type and source=manual_admin', async () => {
    const { customer, grants, ca } = await ledgerFixture();
    const databaseUrl = server().databaseUrl;
    let usageId: number | undefined;
    let purchaseId: number | undefined;
    if (databaseUrl) {
      // PostgreSQL only: the test reaches the server's database to add rows the API can't make
      // (a look-up's usage and a card purchase), so the filters have something to exclude.
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const usage = await client.query(
          `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description) VALUES ($1, $2, 'usage', -3, 'look-up') RETURNING id`,
          [customer.id, ca.user.id],
        );
        usageId = Number(usage.rows[0].id);
        const purchase = await client.query(
          `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id)
           VALUES ($1, NULL, 'purchase', 100, 'card', 'pi_3Nabc') RETURNING id`,
          [customer.id],
        );
        purchaseId = Number(purchase.rows[0].id);
      } finally {
        await client.end();
      }
    }
    const grantIds = grants.map((g) => g.id).reverse();
    expect(ids(await list(admin, `customerId=${customer.id}&type=admin_grant`))).toEqual(grantIds);
    expect(ids(await list(admin, `customerId=${customer.id}&source=manual_admin`))).toEqual(grantIds);
    expect((await list(admin, `customerId=${customer.id}&type=refund`)).total).toBe(0);
    const manual = await list(admin, `customerId=${customer.id}&source=manual_admin`);
    for (const r of manual.items) expect(r.paymentId).toMatch(/^MANUAL_ADMIN_/);

    if (databaseUrl) {
      const usage = await list(admin, `customerId=${customer.id}&type=usage`);
      expect(ids(usage)).toEqual([usageId]);
      expect(usage.items[0]).toMatchObject({ amount: -3, balanceBefore: 65, balanceAfter: 62, paymentId: null, username: ca.user.username });
      const purchase = await list(admin, `customerId=${customer.id}&type=purchase`);
      expect(ids(purchase)).toEqual([purchaseId]);
      expect(purchase.items[0]).toMatchObject({ userId: null, username: null, paymentId: 'pi_3Nabc' });
      expect((await list(admin, `customerId=${customer.id}`)).total).toBe(6);
      expect(ids(await list(admin, `customerId=${customer.id}&source=manual_admin`))).toEqual(grantIds);
      expect(ids(await list(admin, `customerId=${customer.id}&type=usage&source=manual_admin`))).toEqual([]);
    } else {
      expect((await list(admin, `customerId=${customer.id}&type=usage`)).total).toBe(0);
    }
  });

  it('filters by from (inclusive) and ranges outside the data', async () => {
    const { customer, grants } = await ledgerFixture();
    const at = (i: number) => encodeURIComponent(grants[i]!.createdAt);
    const q = `customerId=${customer.id}`;
    // from = the third row's own createdAt: the third and fourth rows.
    expect(ids(await list(admin, `${q}&from=${at(2)}`))).toEqual([grants[3]!.id, grants[2]!.id]);
    // A to bound between the second and third rows (midway in time): the first two rows.
    const mid = new Date((Date.parse(grants[1]!.createdAt) + Date.parse(grants[2]!.createdAt)) / 2 + 0.5).toISOString();
    expect(ids(await list(admin, `${q}&to=${encodeURIComponent(mid)}`))).toEqual([grants[1]!.id, grants[0]!.id]);
    expect(ids(await list(admin, `${q}&from=${at(1)}&to=${encodeURIComponent(mid)}`))).toEqual([grants[1]!.id]);
    // Entirely outside.
    expect((await list(admin, `${q}&to=2000-01-01T00:00:00Z`)).total).toBe(0);
    expect((await list(admin, `${q}&from=2999-01-01`)).total).toBe(0);
    expect((await list(admin, `${q}&from=2000-01-01`)).total).toBe(4);
    // An explicit offset is honoured: the same instant written in UTC+02:00.
    const plusTwo = new Date(Date.parse(grants[2]!.createdAt) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect(ids(await list(admin, `${q}&from=${encodeURIComponent(plusTwo)}`))).toEqual([grants[3]!.id, grants[2]!.id]);
  });

  it("to= a row's own createdAt (as the API printed it) includes that row", async () => {
    const { customer, grants } = await ledgerFixture();
    const at = (i: number) => encodeURIComponent(grants[i]!.createdAt);
    const q = `customerId=${customer.id}`;
    expect(ids(await list(admin, `${q}&to=${at(1)}`))).toEqual([grants[1]!.id, grants[0]!.id]);
    expect(ids(await list(admin, `${q}&from=${at(1)}&to=${at(2)}`))).toEqual([grants[2]!.id, grants[1]!.id]);
    // A single row, found by its own timestamp.
    expect(ids(await list(admin, `${q}&from=${at(3)}&to=${at(3)}`))).toEqual([grants[3]!.id]);
  });

  it('a date-only to= covers that whole day (from=D&to=D lists day D)', async () => {
    const { customer, grants } = await ledgerFixture();
    const day = grants[0]!.createdAt.slice(0, 10);
    const sameDay = grants.filter((g) => g.createdAt.startsWith(day)).map((g) => g.id).reverse();
    expect(sameDay.length).toBeGreaterThan(0);
    expect(ids(await list(admin, `customerId=${customer.id}&from=${day}&to=${day}`))).toEqual(sameDay);
    expect(ids(await list(admin, `customerId=${customer.id}&to=${day}`))).toEqual(sameDay);
  });

  it('order=asc lists oldest first; order=desc is the default', async () => {
    const { customer, grants } = await ledgerFixture();
    expect(ids(await list(admin, `customerId=${customer.id}&order=asc`))).toEqual(grants.map((g) => g.id));
    expect(ids(await list(admin, `customerId=${customer.id}&order=desc`))).toEqual(grants.map((g) => g.id).reverse());
    const chain = (await list(admin, `customerId=${customer.id}&order=asc`)).items;
    let running = 0;
    for (const r of chain) {
      expect(r.balanceBefore).toBe(running);
      running = r.balanceAfter;
    }
    expect(running).toBe(65);
  });

  it('pages with page/pageSize and reports total', async () => {
    const { customer, grants } = await ledgerFixture();
    const newestFirst = grants.map((g) => g.id).reverse();
    const q = `customerId=${customer.id}&pageSize=3`;
    const p1 = await list(admin, `${q}&page=1`);
    const p2 = await list(admin, `${q}&page=2`);
    const p3 = await list(admin, `${q}&page=3`);
    expect(p1).toMatchObject({ total: 4, page: 1, pageSize: 3 });
    expect(ids(p1)).toEqual(newestFirst.slice(0, 3));
    expect(p2).toMatchObject({ total: 4, page: 2, pageSize: 3 });
    expect(ids(p2)).toEqual(newestFirst.slice(3));
    expect(p3).toMatchObject({ total: 4, page: 3, items: [] });
    const asc = await list(admin, `${q}&page=2&order=asc`);
    expect(ids(asc)).toEqual([grants[3]!.id]);
    const max = await list(admin, `customerId=${customer.id}&pageSize=100`);
    expect(max.pageSize).toBe(100);
  });

  it.each([
    'customerId=abc',
    'customerId=0',
    'customerId=-1',
    'customerId=1.5',
    'userId=abc',
    'type=bonus',
    'type=ADMIN_GRANT',
    'source=stripe',
    'from=yesterday',
    'from=2024-13-01',
    'from=2024-02-30',
    'to=12/01/2024',
    'to=2024-01-01T25:00:00Z',
    'order=newest',
    'page=0',
    'page=x',
    'pageSize=0',
    'pageSize=101',
    'sort=amount',
  ])('rejects ?%s with 400 { error, details }', async (query) => {
    const res = await list(admin, query, 400);
    assertErrorShape(res);
    expect(res.details).toBeTypeOf('object');
  });
});

describe('tenant scoping of the audit trail', () => {
  it("a CUSTOMER_ADMIN sees only its own customer's rows; another customerId is 403", async () => {
    const mine = await ledgerFixture();
    const other = await ledgerFixture();
    const ca = mine.ca.client;

    const own = await list(ca, 'pageSize=100');
    expect(own.total).toBe(4);
    expect(ids(own)).toEqual(mine.grants.map((g) => g.id).reverse());
    for (const r of own.items) expect(r.customerId).toBe(mine.customer.id);

    expect(ids(await list(ca, `customerId=${mine.customer.id}`))).toEqual(ids(own));
    const refused = await list(ca, `customerId=${other.customer.id}`, 403);
    assertErrorShape(refused);
    // Filtering by another tenant's user finds nothing of theirs.
    expect(await list(ca, `userId=${other.ca.user.id}`)).toMatchObject({ total: 0, items: [] });
    // Other filters stay inside the tenant too.
    const manual = await list(ca, 'source=manual_admin&pageSize=100&order=asc');
    expect(ids(manual)).toEqual(mine.grants.map((g) => g.id));
  });

  it('a USER is 403 and a signed-out caller 401', async () => {
    const t = await tenant(admin, { credits: 5 });
    const user = (await t.makeUser('USER')).client;
    const res = await list(user, `customerId=${t.customer.id}`, 403);
    expect(res).toEqual({
      error: 'Forbidden - Admin access required',
      details: 'You must be a SUPER_ADMIN or CUSTOMER_ADMIN to view credit transactions',
      code: 'forbidden',
    });
    await list(user, '', 403);
    assertErrorShape(await list(anonymous(), `customerId=${t.customer.id}`, 401));
  });

  it('description text is returned verbatim (no HTML or SQL interpretation)', async () => {
    const t = await tenant(admin);
    const text = `<script>alert(1)</script> '; DROP TABLE credit_transactions; -- ${unique('x')}`;
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: t.customer.id, amount: 1, description: text }), 200);
    const page = await list(admin, `customerId=${t.customer.id}`);
    expect(page.items[0].description).toBe(`[ADMIN] ${text} (Added by: admin)`);
  });
});
