import pg from 'pg';
import { beforeAll, describe, expect, it} from 'vitest';
import { CUSTOMER_SORTS, type CustomerSort } from '@/app/lib/customers/schemas';
import { unique } from '../support/db';
import { anonymous, assertErrorShape, PASSWORD, server, signedIn, superAdmin, tenant, type ApiClient } from '../support/api';

// Sign-ins hash passwords (argon2) and the API project sets no timeout of its own: allow for a busy machine.

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

const DTO_KEYS = [
  'id',
  'name',
  'status',
  'contactEmail',
  'maxUsers',
  'logoUrl',
  'userCount',
  'activeUserCount',
  'totalSearches',
  'creditBalance',
  'totalCreditsPurchased',
  'totalCreditsUsed',
  'lowBalanceThreshold',
  'lowBalanceThresholdIsCustom',
  'createdAt',
  'updatedAt',
].sort();

const NUMERIC_KEYS = [
  'id',
  'maxUsers',
  'userCount',
  'activeUserCount',
  'totalSearches',
  'creditBalance',
  'totalCreditsPurchased',
  'totalCreditsUsed',
  'lowBalanceThreshold',
] as const;

function expectCustomerDto(c: Record<string, unknown>) {
  expect(Object.keys(c).sort()).toEqual(DTO_KEYS);
  for (const k of NUMERIC_KEYS) {
    expect(typeof c[k], `${k} must be a JSON number`).toBe('number');
    expect(Number.isSafeInteger(c[k]), `${k} must be a whole number`).toBe(true);
  }
  for (const k of ['createdAt', 'updatedAt']) {
    expect(typeof c[k]).toBe('string');
    expect(new Date(c[k] as string).toISOString()).toBe(c[k]);
  }
}

async function create(body: Record<string, unknown>) {
  const { customer } = await admin.expectJson(admin.post('/api/admin/customers', body), 201);
  return customer;
}

async function getCustomer(id: number) {
  const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${id}`), 200);
  return customer;
}

async function searchTotal(search: string): Promise<number> {
  const list = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent(search)}`), 200);
  return list.total;
}

describe('POST /api/admin/customers', () => {
  it('creates a customer and answers 201 { customer } with every DTO field, numbers as JSON numbers', async () => {
    const name = unique('Acme');
    const res = await admin.post('/api/admin/customers', {
      name,
      contactEmail: 'ops@acme.example',
      maxUsers: 7,
      logoUrl: 'https://cdn.acme.example/logo.png',
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual(['customer']);
    const c = body.customer;
    expectCustomerDto(c);
    expect(c).toMatchObject({
      name,
      status: 'active',
      contactEmail: 'ops@acme.example',
      maxUsers: 7,
      logoUrl: 'https://cdn.acme.example/logo.png',
      userCount: 0,
      activeUserCount: 0,
      totalSearches: 0,
      creditBalance: 0,
      totalCreditsPurchased: 0,
      totalCreditsUsed: 0,
    });
    expect(c.id).toBeGreaterThan(0);
    // Numbers really are numbers in the raw JSON, not quoted strings.
    expect(text).toMatch(new RegExp(`"id":${c.id}[,}]`));
    expect(text).toMatch(/"creditBalance":0[,}]/);
    expect(Math.abs(Date.now() - Date.parse(c.createdAt))).toBeLessThan(5 * 60_000);
    // It is really stored: GET answers the same.
    expect(await getCustomer(c.id)).toEqual(c);
  });

  it('applies defaults: status active, maxUsers 10, null email and logo; trims the name', async () => {
    const name = unique('Defaults');
    const c = await create({ name: `   ${name}  ` });
    expect(c).toMatchObject({ name, status: 'active', maxUsers: 10, contactEmail: null, logoUrl: null });
  });

  it('accepts status inactive at creation', async () => {
    const c = await create({ name: unique('Dormant'), status: 'inactive' });
    expect(c.status).toBe('inactive');
  });

  const invalid: Array<[string, Record<string, unknown>, RegExp, string]> = [
    ['blank name', { name: '   ' }, /Name is required/, 'name'],
    ['missing name', { name: undefined }, /Name is required/, 'name'],
    ['name over 200 characters', { name: 'n'.repeat(201) }, /at most 200/, 'name'],
    ['bad email', { contactEmail: 'not-an-email' }, /email/i, 'contactEmail'],
    ['bad URL', { logoUrl: 'not a url' }, /URL/, 'logoUrl'],
    ['javascript: URL', { logoUrl: 'javascript:alert(1)' }, /URL/, 'logoUrl'],
    ['maxUsers 0', { maxUsers: 0 }, /at least 1/, 'maxUsers'],
    ['maxUsers 1.5', { maxUsers: 1.5 }, /whole number/, 'maxUsers'],
    ['maxUsers "5"', { maxUsers: '5' }, /number/, 'maxUsers'],
    ['unknown field', { plan: 'gold' }, /Unrecognized key/, 'plan'],
    ["status 'deleted'", { status: 'deleted' }, /active or inactive/, 'status'],
  ];

  it.each(invalid)('rejects %s with 400 { error, details } and creates nothing', async (_label, patch, message, field) => {
    const name = unique('Invalid');
    const body = { name, contactEmail: 'a@b.example', maxUsers: 5, ...patch };
    const res = await admin.expectJson(admin.post('/api/admin/customers', body), 400);
    assertErrorShape(res);
    expect(res.error).toMatch(message);
    expect(res.details).toBeTypeOf('object');
    expect(Object.keys(res.details)).toContain(field);
    expect(await searchTotal(name)).toBe(0);
  });

  it('rejects a non-object or malformed body with 400', async () => {
    for (const raw of ['', '{"name":', '[]', '"Acme"', 'null']) {
      const res = await admin.expectJson(admin.post('/api/admin/customers', raw), 400);
      assertErrorShape(res);
    }
  });
});

describe('GET /api/admin/customers (list)', () => {
  it('answers { items, total, page, pageSize } with DTO items', async () => {
    const c = await create({ name: unique('ListShape') });
    const list = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent(c.name)}`), 200);
    expect(Object.keys(list).sort()).toEqual(['items', 'page', 'pageSize', 'total']);
    expect(list).toMatchObject({ total: 1, page: 1, pageSize: 25 });
    expect(list.items).toEqual([c]);
    expectCustomerDto(list.items[0]);
  });

  it('searches names case-insensitively by substring', async () => {
    const prefix = unique('CaseSearch');
    const a = await create({ name: `${prefix} Northwind Traders` });
    const b = await create({ name: `${prefix} NORTHWIND Labs` });
    await create({ name: `${prefix} Contoso` });
    for (const term of [`${prefix} northwind`, `${prefix.toUpperCase()} nOrThWiNd`, `${prefix.toLowerCase()} NORTHWIND`]) {
      const list = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent(term)}&sort=id`), 200);
      expect(list.items.map((c: { id: number }) => c.id)).toEqual([a.id, b.id]);
      expect(list.total).toBe(2);
    }
    // A substring from the middle of the name matches too.
    const mid = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent('wind traders')}&pageSize=100`), 200);
    expect(mid.items.map((c: { id: number }) => c.id)).toContain(a.id);
  });

  it('treats % and _ in the search literally', async () => {
    const prefix = unique('Wild');
    const pct = await create({ name: `${prefix} 50% off` });
    await create({ name: `${prefix} 50x off` });
    await create({ name: `${prefix} 50 off` });
    const under = await create({ name: `${prefix} a_b` });
    await create({ name: `${prefix} axb` });
    await create({ name: `${prefix} ab` });
    const ids = async (term: string) => {
      const list = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent(term)}&pageSize=100`), 200);
      return list.items.map((c: { id: number }) => c.id);
    };
    expect(await ids(`${prefix} 50%`)).toEqual([pct.id]);
    expect(await ids(`${prefix} a_b`)).toEqual([under.id]);
    // A lone wildcard character matches only names that contain it.
    expect(await ids(`${prefix} 50% o`)).toEqual([pct.id]);
    expect(await ids(`${prefix} a_`)).toEqual([under.id]);
  });

  it('filters by status', async () => {
    const prefix = unique('StatusFilter');
    const on = await create({ name: `${prefix} on` });
    const off = await create({ name: `${prefix} off`, status: 'inactive' });
    const q = `/api/admin/customers?search=${encodeURIComponent(prefix)}`;
    expect((await admin.expectJson(admin.get(`${q}&status=active`), 200)).items.map((c: any) => c.id)).toEqual([on.id]);
    expect((await admin.expectJson(admin.get(`${q}&status=inactive`), 200)).items.map((c: any) => c.id)).toEqual([off.id]);
  });

  describe('sorting by every column in CUSTOMER_SORTS', () => {
    const prefix = unique('Sort');
    type Row = Record<string, any>;
    let rows: Row[] = [];

    // Each column gets values that order the customers differently from their ids.
    beforeAll(async () => {
      const spec = [
        { suffix: 'delta', status: 'active', users: 2, credits: 50 },
        { suffix: 'Alpha', status: 'inactive', users: 0, credits: 400 },
        { suffix: 'charlie', status: 'active', users: 3, credits: 0 },
        { suffix: 'Bravo', status: 'inactive', users: 1, credits: 75 },
        { suffix: 'echo', status: 'active', users: 0, credits: 75 },
      ];
      const created: Array<{ id: number; users: number[] }> = [];
      for (const s of spec) {
        const c = await create({ name: `${prefix} ${s.suffix}`, maxUsers: 10, status: s.status });
        const users: number[] = [];
        for (let i = 0; i < s.users; i++) {
          const { user } = await admin.expectJson(
            admin.post('/api/admin/users', { username: unique('sortuser'), password: PASSWORD, role: 'USER', customerId: c.id }),
            201,
          );
          users.push(user.id);
        }
        if (s.credits) {
          await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: c.id, amount: s.credits, description: 'sort' }), 200);
        }
        created.push({ id: c.id, users });
      }
      // On PostgreSQL the test can reach the server's database: give some customers usage and
      // searches so total_credits_used and total_searches differ too (there is no API for look-ups).
      const databaseUrl = server().databaseUrl;
      if (databaseUrl) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          const usage = [20, 0, 0, 60, 5];
          const searches = [1, 0, 4, 2, 0];
          for (let i = 0; i < created.length; i++) {
            const { id, users } = created[i]!;
            if (usage[i]) {
              await client.query(
                `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description) VALUES ($1, NULL, 'usage', $2, 'sort usage')`,
                [id, -usage[i]!],
              );
            }
            for (let k = 0; k < searches[i]! && users.length; k++) {
              await client.query(`INSERT INTO searches (customer_id, user_id, query) VALUES ($1, $2, 'q')`, [id, users[0]]);
            }
          }
        } finally {
          await client.end();
        }
      }
      const list = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent(prefix)}&pageSize=100`), 200);
      rows = list.items;
      expect(rows).toHaveLength(spec.length);
    }, 60_000);

    const key: Record<CustomerSort, (r: Row) => string | number> = {
      id: (r) => r.id,
      name: (r) => r.name.toLowerCase(),
      status: (r) => r.status,
      created_at: (r) => r.createdAt,
      user_count: (r) => r.userCount,
      credit_balance: (r) => r.creditBalance,
      total_credits_purchased: (r) => r.totalCreditsPurchased,
      total_credits_used: (r) => r.totalCreditsUsed,
      total_searches: (r) => r.totalSearches,
    };

    it('the fixture values are what the API reports', () => {
      const byName = Object.fromEntries(rows.map((r) => [r.name.slice(prefix.length + 1), r]));
      expect(byName.delta).toMatchObject({ userCount: 2, activeUserCount: 2, creditBalance: onPg() ? 30 : 50, totalCreditsPurchased: 50 });
      expect(byName.Alpha).toMatchObject({ status: 'inactive', userCount: 0, creditBalance: 400, totalCreditsPurchased: 400 });
      expect(byName.charlie).toMatchObject({ userCount: 3, creditBalance: 0, totalCreditsPurchased: 0 });
      expect(byName.Bravo).toMatchObject({ userCount: 1, creditBalance: onPg() ? 15 : 75, totalCreditsUsed: onPg() ? 60 : 0 });
      if (onPg()) expect(byName.charlie.totalSearches).toBe(4);
    });

    it('every column of CUSTOMER_SORTS is covered by this test', () => {
      expect(Object.keys(key).sort()).toEqual([...CUSTOMER_SORTS].sort());
    });

    for (const sort of CUSTOMER_SORTS) {
      for (const order of ['asc', 'desc'] as const) {
        it(`sort=${sort}&order=${order} returns the rows in that order (ties by id, same direction)`, async () => {
          const list = await admin.expectJson(
            admin.get(`/api/admin/customers?search=${encodeURIComponent(prefix)}&sort=${sort}&order=${order}&pageSize=100`),
            200,
          );
          const sign = order === 'asc' ? 1 : -1;
          const expected = [...rows].sort((a, b) => {
            const ka = key[sort](a);
            const kb = key[sort](b);
            if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
            return (a.id - b.id) * sign;
          });
          expect(list.items.map((r: Row) => r.name)).toEqual(expected.map((r) => r.name));
        });
      }
    }

    it('default order is by name ascending, case-insensitively', async () => {
      const list = await admin.expectJson(admin.get(`/api/admin/customers?search=${encodeURIComponent(prefix)}`), 200);
      expect(list.items.map((r: Row) => r.name.slice(prefix.length + 1))).toEqual(['Alpha', 'Bravo', 'charlie', 'delta', 'echo']);
    });

    it('pages through the rows with page/pageSize and reports the total', async () => {
      const q = `/api/admin/customers?search=${encodeURIComponent(prefix)}&sort=id&order=asc&pageSize=2`;
      const pages = [];
      for (const page of [1, 2, 3, 4]) pages.push(await admin.expectJson(admin.get(`${q}&page=${page}`), 200));
      const ids = [...rows].map((r) => r.id).sort((a, b) => a - b);
      expect(pages.map((p) => p.items.map((r: Row) => r.id))).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4), []]);
      for (const [i, p] of pages.entries()) expect(p).toMatchObject({ total: 5, page: i + 1, pageSize: 2 });
    });
  });

  it.each([
    ['sort=password', /Sort must be one of/],
    ['sort=name;DROP TABLE customers', /Sort must be one of/],
    ['order=sideways', /asc or desc/],
    ['page=0', /whole number/],
    ['page=-1', /whole number/],
    ['page=abc', /whole number/],
    ['page=1.5', /whole number/],
    ['pageSize=0', /1 to 100/],
    ['pageSize=101', /1 to 100/],
    ['pageSize=ten', /1 to 100/],
    ['status=deleted', /active or inactive/],
    ['limit=5', /Unrecognized key/],
  ])('rejects ?%s with 400 { error, details }', async (query, message) => {
    const res = await admin.expectJson(admin.get(`/api/admin/customers?${query}`), 400);
    assertErrorShape(res);
    expect(res.error).toMatch(message);
  });
});

describe('GET /api/admin/customers/:id', () => {
  it('answers 200 { customer } for an existing id', async () => {
    const c = await create({ name: unique('GetOne') });
    const body = await admin.expectJson(admin.get(`/api/admin/customers/${c.id}`), 200);
    expect(Object.keys(body)).toEqual(['customer']);
    expect(body.customer).toEqual(c);
  });

  it('answers 404 for a missing id and 400 for a malformed one', async () => {
    const missing = await admin.expectJson(admin.get('/api/admin/customers/2000000000'), 404);
    expect(missing).toEqual({ error: 'Customer not found', details: 'No customer with ID 2000000000', code: 'not_found' });
    for (const bad of ['abc', '0', '-1', '1.5', '1e3', '99999999999']) {
      const res = await admin.expectJson(admin.get(`/api/admin/customers/${bad}`), 400);
      assertErrorShape(res);
    }
  });
});

describe('PATCH /api/admin/customers/:id', () => {
  it('updates name, status, contactEmail, maxUsers, logoUrl and lowBalanceThreshold one at a time', async () => {
    const c = await create({ name: unique('Patch'), contactEmail: 'old@x.example', logoUrl: 'https://x.example/a.png' });
    const newName = unique('Renamed');
    const steps: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ name: `  ${newName} ` }, { name: newName }],
      [{ status: 'inactive' }, { status: 'inactive' }],
      [{ status: 'active' }, { status: 'active' }],
      [{ contactEmail: 'new@x.example' }, { contactEmail: 'new@x.example' }],
      [{ contactEmail: null }, { contactEmail: null }],
      [{ maxUsers: 42 }, { maxUsers: 42 }],
      [{ logoUrl: 'http://cdn.x.example/b.svg' }, { logoUrl: 'http://cdn.x.example/b.svg' }],
      [{ logoUrl: null }, { logoUrl: null }],
      [{ lowBalanceThreshold: 120 }, { lowBalanceThreshold: 120, lowBalanceThresholdIsCustom: true }],
      [{ lowBalanceThreshold: null }, { lowBalanceThreshold: 50, lowBalanceThresholdIsCustom: false }],
    ];
    let previous = c;
    for (const [patch, expected] of steps) {
      const { customer } = await admin.expectJson(admin.patch(`/api/admin/customers/${c.id}`, patch), 200);
      expectCustomerDto(customer);
      expect(customer).toEqual({ ...previous, ...expected, updatedAt: customer.updatedAt });
      expect(Date.parse(customer.updatedAt)).toBeGreaterThanOrEqual(Date.parse(previous.updatedAt));
      expect(await getCustomer(c.id)).toEqual(customer);
      previous = customer;
    }
    expect(Date.parse(previous.updatedAt)).toBeGreaterThan(Date.parse(c.updatedAt));
    expect(previous.createdAt).toBe(c.createdAt);
  });

  it('updates several fields at once', async () => {
    const c = await create({ name: unique('Multi') });
    const { customer } = await admin.expectJson(
      admin.patch(`/api/admin/customers/${c.id}`, { maxUsers: 3, contactEmail: 'm@x.example', status: 'inactive' }),
      200,
    );
    expect(customer).toMatchObject({ maxUsers: 3, contactEmail: 'm@x.example', status: 'inactive', name: c.name });
  });

  it.each([
    ['an empty patch', {}, /Nothing to update/],
    ['a blank name', { name: ' ' }, /Name is required/],
    ['a bad email', { contactEmail: 'nope' }, /email/i],
    ['maxUsers 0', { maxUsers: 0 }, /at least 1/],
    ['maxUsers "5"', { maxUsers: '5' }, /number/],
    ["status 'deleted'", { status: 'deleted' }, /active or inactive/],
    ['an unknown field', { id: 1 }, /Unrecognized key/],
  ])('rejects %s with 400 and changes nothing', async (_label, patch, message) => {
    const c = await create({ name: unique('PatchBad'), contactEmail: 'keep@x.example' });
    const res = await admin.expectJson(admin.patch(`/api/admin/customers/${c.id}`, patch), 400);
    assertErrorShape(res);
    expect(res.error).toMatch(message);
    expect(await getCustomer(c.id)).toEqual(c);
  });

  it('answers 404 for a missing customer and 400 for a malformed id', async () => {
    const res = await admin.expectJson(admin.patch('/api/admin/customers/2000000000', { name: 'Ghost' }), 404);
    expect(res).toEqual({ error: 'Customer not found', details: 'No customer with ID 2000000000', code: 'not_found' });
    assertErrorShape(await admin.expectJson(admin.patch('/api/admin/customers/abc', { name: 'Ghost' }), 400));
  });
});

describe('tenant-scoped callers', () => {
  it("a CUSTOMER_ADMIN sees only its own customer and is refused another's", async () => {
    const mine = await tenant(admin);
    const other = await tenant(admin);
    const ca = (await mine.makeUser('CUSTOMER_ADMIN')).client;

    const list = await ca.expectJson(ca.get('/api/admin/customers?pageSize=100'), 200);
    expect(list.total).toBe(1);
    expect(list.items.map((c: { id: number }) => c.id)).toEqual([mine.customer.id]);
    const searched = await ca.expectJson(ca.get(`/api/admin/customers?search=${encodeURIComponent(other.customer.name)}`), 200);
    expect(searched).toMatchObject({ total: 0, items: [] });
    // A numeric search matches ids: still only the caller's own.
    const byId = await ca.expectJson(ca.get(`/api/admin/customers?search=${other.customer.id}`), 200);
    expect(byId.items).toEqual([]);

    const own = await ca.expectJson(ca.get(`/api/admin/customers/${mine.customer.id}`), 200);
    expect(own.customer.id).toBe(mine.customer.id);
    assertErrorShape(await ca.expectJson(ca.get(`/api/admin/customers/${other.customer.id}`), 403));

    const name = unique('ByTenantAdmin');
    assertErrorShape(await ca.expectJson(ca.post('/api/admin/customers', { name }), 403));
    expect(await searchTotal(name)).toBe(0);
    for (const id of [mine.customer.id, other.customer.id]) {
      const before = await getCustomer(id);
      assertErrorShape(await ca.expectJson(ca.patch(`/api/admin/customers/${id}`, { maxUsers: 99, name: 'Hijacked' }), 403));
      expect(await getCustomer(id)).toEqual(before);
    }
  });

  it('a USER is refused everywhere with 403', async () => {
    const mine = await tenant(admin);
    const user = (await mine.makeUser('USER')).client;
    const before = await getCustomer(mine.customer.id);
    const name = unique('ByUser');
    const calls: Array<Promise<Response>> = [
      user.get('/api/admin/customers'),
      user.get(`/api/admin/customers/${mine.customer.id}`),
      user.post('/api/admin/customers', { name }),
      user.patch(`/api/admin/customers/${mine.customer.id}`, { name: 'Hijacked' }),
    ];
    for (const call of calls) {
      const res = await user.expectJson(call, 403);
      expect(res.error).toBe('Forbidden - Admin access required');
      expect(res.details).toMatch(/SUPER_ADMIN/);
    }
    expect(await searchTotal(name)).toBe(0);
    expect(await getCustomer(mine.customer.id)).toEqual(before);
  });

  it('signed out: 401 everywhere', async () => {
    const anon = anonymous();
    for (const call of [
      anon.get('/api/admin/customers'),
      anon.get('/api/admin/customers/1'),
      anon.post('/api/admin/customers', { name: 'x' }),
      anon.patch('/api/admin/customers/1', { name: 'x' }),
    ]) {
      assertErrorShape(await anon.expectJson(call, 401));
    }
  });

  it('a new CUSTOMER_ADMIN signed in through the helper is counted in userCount', async () => {
    const mine = await tenant(admin);
    await mine.makeUser('CUSTOMER_ADMIN');
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('counted'), password: PASSWORD, role: 'USER', customerId: mine.customer.id }),
      201,
    );
    await signedIn(user.username, PASSWORD);
    const c = await getCustomer(mine.customer.id);
    expect(c).toMatchObject({ userCount: 2, activeUserCount: 2 });
    await admin.expectJson(admin.patch(`/api/admin/users/${user.id}`, { active: false }), 200);
    expect(await getCustomer(mine.customer.id)).toMatchObject({ userCount: 2, activeUserCount: 1 });
  });
});

function onPg(): boolean {
  return !!server().databaseUrl;
}
