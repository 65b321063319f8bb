import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '@/app/lib/db/types';
import { anonymous, assertExactErrorShape, server, superAdmin, tenant, type ApiClient } from '../support/api';
import { assertLedgerInvariants } from '../support/ledger-invariants';

/**
 * The Overview over HTTP (issue 13 item 4): GET /api/admin/overview for SUPER_ADMINs only, and a
 * customer's usage per day for a SUPER_ADMIN or that customer's own CUSTOMER_ADMIN; the numbers
 * are the ledger's (checked against credit_transactions on the server's database, and the
 * counters' invariants after every test), bad input is a 400 and other tenants a 403.
 */

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: server().sqlUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  const client = new pg.Client({ connectionString: server().sqlUrl });
  await client.connect();
  try {
    await assertLedgerInvariants(client as unknown as Queryable, 'the API server');
  } finally {
    await client.end();
  }
});

/** A customer with credits, `looks` look-ups by its USER, optionally a deduction, and its CUSTOMER_ADMIN. */
async function busyTenant(credits: number, looks: number, deduct = 0) {
  const t = await tenant(admin, { credits });
  const { client: user } = await t.makeUser('USER');
  for (let i = 0; i < looks; i++) await user.expectJson(user.post('/api/search', { query: `blox${i}`, type: 'keyword' }), 200);
  if (deduct) await admin.expectJson(admin.post('/api/admin/credits/deduct', { customerId: t.customer.id, amount: deduct, description: 'overview test' }), 200);
  const { client: customerAdmin } = await t.makeUser('CUSTOMER_ADMIN');
  return { customer: t.customer as { id: number; name: string }, customerAdmin };
}

/** The customer's net usage per UTC day, straight from the ledger. */
async function ledgerUsage(customerId: number) {
  const rows = await sql<{ day: string; used: string; refunded: string; added: string }>(
    `SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
            COALESCE(-sum(amount) FILTER (WHERE type IN ('usage', 'refund')), 0) AS used,
            COALESCE(sum(amount) FILTER (WHERE type = 'refund'), 0) AS refunded,
            COALESCE(sum(amount) FILTER (WHERE category IS NOT NULL), 0) AS added
       FROM credit_transactions WHERE customer_id = $1 GROUP BY 1`,
    [customerId],
  );
  return new Map(rows.map((r) => [r.day, { used: Number(r.used), refunded: Number(r.refunded), added: Number(r.added) }]));
}

describe('GET /api/admin/overview', () => {
  it("answers every figure; a customer's usage this month and balance are the ledger's", async () => {
    const { customer } = await busyTenant(1_000, 4, 3);
    const o = await admin.expectJson(admin.get('/api/admin/overview'), 200);
    expect(Object.keys(o).sort()).toEqual(['daily', 'expiring', 'lastMonth', 'outstanding', 'runningLow', 'thisMonth', 'today', 'topCustomers']);
    expect(o.daily).toHaveLength(90);
    expect(o.daily.at(-1).day).toBe(o.today);
    expect(o.outstanding.total).toBe(o.outstanding.paid + o.outstanding.promotional);
    expect(o.thisMonth.added).toBe(o.thisMonth.paid + o.thisMonth.promotional);
    const [ledger] = await sql<{ used: string; balance: string }>(
      `SELECT -sum(t.amount) FILTER (WHERE t.type IN ('usage', 'refund')) AS used, (SELECT balance FROM customer_credits WHERE customer_id = $1) AS balance
         FROM credit_transactions t WHERE t.customer_id = $1`,
      [customer.id],
    );
    const mine = (o.topCustomers as Array<{ customerId: number; used: number; balance: number }>).find((c) => c.customerId === customer.id);
    // Listed when it is among the ten heaviest users this month; then with the ledger's numbers.
    if (mine) expect(mine).toMatchObject({ used: Number(ledger!.used), balance: Number(ledger!.balance) });
    expect(Number(ledger!.used)).toBeGreaterThan(0);
  });

  it('a customer that spent its balance today is running low, at 0 days left', async () => {
    const { customer } = await busyTenant(1, 1);
    const [{ used }] = (await sql<{ used: string }>(
      `SELECT -sum(amount) AS used FROM credit_transactions WHERE customer_id = $1 AND type IN ('usage', 'refund')`,
      [customer.id],
    )) as [{ used: string }];
    const usage = await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}/usage`), 200);
    expect(usage).toMatchObject({ balance: 0, daysLeft: 0 });
    expect(usage.perDay).toBeCloseTo(Number(used) / 14, 10);
    const o = await admin.expectJson(admin.get('/api/admin/overview'), 200);
    const low = (o.runningLow.customers as Array<{ customerId: number; balance: number; daysLeft: number }>).find((c) => c.customerId === customer.id);
    // The list holds the ten soonest out; an empty account is among them unless ten others are empty too.
    if (low) expect(low).toMatchObject({ balance: 0, daysLeft: 0 });
    else expect(o.runningLow.customers.filter((c: { daysLeft: number }) => c.daysLeft === 0)).toHaveLength(10);
  });

  it.each([
    ['a CUSTOMER_ADMIN', 'CUSTOMER_ADMIN'],
    ['a USER', 'USER'],
  ] as const)('%s is refused with 403 and the admin-only message', async (_label, role) => {
    const t = await tenant(admin);
    const { client } = await t.makeUser(role);
    const res = await client.get('/api/admin/overview');
    expect(res.status).toBe(403);
    expect(assertExactErrorShape(await res.json())).toMatchObject({
      error: 'Forbidden - Admin access required',
      details: 'You must be a SUPER_ADMIN to view the platform overview',
    });
  });

  it('signed out: 401', async () => {
    expect((await anonymous().get('/api/admin/overview')).status).toBe(401);
  });
});

describe('GET /api/admin/customers/{id}/usage', () => {
  it('usage per UTC day over 30, 90 or 365 days, equal to the ledger, the burn and days left', async () => {
    const { customer } = await busyTenant(500, 5, 3);
    const ledger = await ledgerUsage(customer.id);
    const [{ balance }] = (await sql<{ balance: string }>('SELECT balance FROM customer_credits WHERE customer_id = $1', [customer.id])) as [{ balance: string }];
    const usedToday = [...ledger.values()].reduce((n, d) => n + d.used, 0);
    for (const days of [30, 90, 365]) {
      const u = await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}/usage?days=${days}`), 200);
      expect(u).toMatchObject({ customerId: customer.id, days, burnDays: 14 });
      expect(u.daily).toHaveLength(days);
      for (const d of u.daily) expect(d, d.day).toEqual({ day: d.day, ...(ledger.get(d.day) ?? { used: 0, refunded: 0, added: 0 }) });
      expect(u.balance).toBe(Number(balance));
      expect(u.perDay).toBeCloseTo(usedToday / 14, 10);
      expect(u.daysLeft).toBeCloseTo(Number(balance) / (usedToday / 14), 6);
    }
    // Without ?days: the last 30.
    expect((await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}/usage`), 200)).daily).toHaveLength(30);
  });

  it("a CUSTOMER_ADMIN reads its own customer's usage; another customer's is a 403 that reveals nothing", async () => {
    const a = await busyTenant(50, 1);
    const b = await busyTenant(50, 1);
    expect((await a.customerAdmin.expectJson(a.customerAdmin.get(`/api/admin/customers/${a.customer.id}/usage?days=90`), 200)).customerId).toBe(
      a.customer.id,
    );
    for (const id of [b.customer.id, 2_000_000_000]) {
      const res = await a.customerAdmin.get(`/api/admin/customers/${id}/usage`);
      expect(res.status).toBe(403);
      expect(assertExactErrorShape(await res.json()).details).toBe('You can only view credits of your own customer account');
    }
  });

  it.each([
    ['days=7', /days must be one of 30, 90, 365/],
    ['days=abc', /days must be one of 30, 90, 365/],
    ['days=90&from=yesterday', /Unrecognized key|from/],
  ])('?%s → 400 with the reason', async (query, message) => {
    const { customer } = await tenant(admin);
    const res = await admin.get(`/api/admin/customers/${customer.id}/usage?${query}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(assertExactErrorShape(await res.json()))).toMatch(message);
  });

  it('a customer that does not exist: 404', async () => {
    const res = await admin.get('/api/admin/customers/2000000000/usage');
    expect(res.status).toBe(404);
    assertExactErrorShape(await res.json());
  });
});
