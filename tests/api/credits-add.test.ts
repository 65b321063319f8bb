import { beforeAll, describe, expect, it } from 'vitest';
import { anonymous, superAdmin, tenant, type ApiClient } from '../support/api';

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

async function balanceOf(customerId: number): Promise<number> {
  const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${customerId}`), 200);
  return customer.creditBalance;
}

describe('POST /api/admin/credits/add', () => {
  it("answers the guide's curl example with the guide's response shape", async () => {
    const { customer } = await tenant(admin);
    // The guide's request, sent the way its curl example sends it.
    const res = await fetch(`${admin.baseUrl}/api/admin/credits/add`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: `next-auth.session-token=${admin.sessionToken}` },
      body: `{\n  "customerId": ${customer.id},\n  "amount": 100,\n  "description": "Demo account credits"\n}`,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body)).toEqual(['success', 'message', 'transaction']);
    expect(body.success).toBe(true);
    expect(body.message).toBe('Credits added successfully');
    expect(Object.keys(body.transaction).sort()).toEqual(
      ['amount', 'balanceAfter', 'balanceBefore', 'createdAt', 'customerId', 'description', 'id'].sort(),
    );
    expect(body.transaction).toMatchObject({
      customerId: customer.id,
      amount: 100,
      balanceBefore: 0,
      balanceAfter: 100,
      description: '[ADMIN] Demo account credits (Added by: admin)',
    });
    expect(typeof body.transaction.id).toBe('number');
    expect(new Date(body.transaction.createdAt).toISOString()).toBe(body.transaction.createdAt);
    expect(await balanceOf(customer.id)).toBe(100);
  });

  it('records the audit row with a MANUAL_ADMIN payment id and the admin as user', async () => {
    const { customer } = await tenant(admin);
    const { transaction } = await admin.expectJson(
      admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 50, description: '  Compensation #1234  ' }),
      200,
    );
    expect(transaction.description).toBe('[ADMIN] Compensation #1234 (Added by: admin)');
    const list = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customer.id}`), 200);
    expect(list.total).toBe(1);
    const [row] = list.items;
    expect(row.id).toBe(transaction.id);
    expect(row.type).toBe('admin_grant');
    expect(row.username).toBe('admin');
    expect(row.paymentId).toMatch(new RegExp(`^MANUAL_ADMIN_${row.userId}_\\d{13}$`));
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['amount 0', { amount: 0 }, /at least 1/],
    ['amount -1', { amount: -1 }, /at least 1/],
    ['amount 10001', { amount: 10001 }, /^Maximum 10,000 credits exceeded$/],
    ['amount 1.5', { amount: 1.5 }, /whole number/],
    ['amount "100"', { amount: '100' }, /number/],
    ['amount null', { amount: null }, /number/],
    ['amount missing', { amount: undefined }, /number/],
    ['description missing', { description: undefined }, /Description is required/],
    ['description blank', { description: '   ' }, /Description is required/],
    ['description too long', { description: 'x'.repeat(501) }, /at most 500/],
    ['customerId as string', { customerId: '1' }, /number/],
    ['unknown field', { bonus: 5 }, /Unrecognized key/],
  ];

  it.each(invalid)('rejects %s with 400 { error, details } and changes nothing', async (_name, patch, message) => {
    const { customer } = await tenant(admin, { credits: 7 });
    const body = { customerId: customer.id, amount: 100, description: 'Valid description', ...(patch as object) };
    const res = await admin.expectJson(admin.post('/api/admin/credits/add', body), 400);
    expect(res.error).toMatch(message);
    expect(res.details).toBeTypeOf('object');
    expect(await balanceOf(customer.id)).toBe(7);
    const list = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customer.id}`), 200);
    expect(list.total).toBe(1);
  });

  it('rejects malformed JSON, an empty body and a non-object body with 400', async () => {
    for (const raw of ['{"customerId": 1,', '', '[1,2]', 'null', '"text"']) {
      const res = await admin.expectJson(admin.post('/api/admin/credits/add', raw), 400);
      expect(res.error).toBeTruthy();
      expect(res.details).toBeTruthy();
    }
  });

  it('answers 404 for a customer that does not exist', async () => {
    const res = await admin.expectJson(
      admin.post('/api/admin/credits/add', { customerId: 2_000_000_000, amount: 5, description: 'x' }),
      404,
    );
    expect(res).toEqual({ error: 'Customer not found', details: 'No customer with ID 2000000000', code: 'not_found' });
  });

  it('accepts the limits 1 and 10,000', async () => {
    const { customer } = await tenant(admin);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 1, description: 'min' }), 200);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 10_000, description: 'max' }), 200);
    expect(await balanceOf(customer.id)).toBe(10_001);
  });

  it('two quick additions without an Idempotency-Key both succeed', async () => {
    const { customer } = await tenant(admin);
    const body = { customerId: customer.id, amount: 10, description: 'Same twice' };
    const [a, b] = await Promise.all([admin.post('/api/admin/credits/add', body), admin.post('/api/admin/credits/add', body)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await balanceOf(customer.id)).toBe(20);
  });

  it('with an Idempotency-Key, a retry replays the first response and credits once', async () => {
    const { customer } = await tenant(admin);
    const body = { customerId: customer.id, amount: 25, description: 'Retried' };
    const key = { 'Idempotency-Key': `key-${customer.id}-${Date.now()}` };
    const first = await admin.expectJson(admin.post('/api/admin/credits/add', body, key), 200);
    const again = await admin.expectJson(admin.post('/api/admin/credits/add', body, key), 200);
    expect(again).toEqual(first);
    // Concurrent duplicates: still exactly one credit.
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => admin.expectJson(admin.post('/api/admin/credits/add', body, key), 200)),
    );
    for (const r of racing) expect(r).toEqual(first);
    expect(await balanceOf(customer.id)).toBe(25);
  });

  it('the same Idempotency-Key with a different body is a 409 and changes nothing', async () => {
    const { customer } = await tenant(admin);
    const key = { 'Idempotency-Key': `conflict-${customer.id}` };
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 5, description: 'a' }, key), 200);
    const res = await admin.expectJson(
      admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 6, description: 'a' }, key),
      409,
    );
    expect(res.error).toBe('Idempotency key reused');
    expect(await balanceOf(customer.id)).toBe(5);
  });

  it('signed out: 401 in the error shape', async () => {
    const res = await anonymous().expectJson(
      anonymous().post('/api/admin/credits/add', { customerId: 1, amount: 1, description: 'x' }),
      401,
    );
    expect(res.error).toMatch(/sign in/i);
    expect(res.details).toBeTruthy();
  });

  it('a USER gets the guide\'s 403 texts; a CUSTOMER_ADMIN credits only its own customer', async () => {
    const mine = await tenant(admin);
    const other = await tenant(admin);
    const user = await mine.makeUser('USER');
    const res = await user.client.expectJson(
      user.client.post('/api/admin/credits/add', { customerId: mine.customer.id, amount: 1, description: 'x' }),
      403,
    );
    expect(res).toEqual({
      error: 'Forbidden - Admin access required',
      details: 'You must be a SUPER_ADMIN or CUSTOMER_ADMIN to add credits',
      code: 'forbidden',
    });
    const tenantAdmin = await mine.makeUser('CUSTOMER_ADMIN');
    await tenantAdmin.client.expectJson(
      tenantAdmin.client.post('/api/admin/credits/add', { customerId: mine.customer.id, amount: 3, description: 'own' }),
      200,
    );
    await tenantAdmin.client.expectJson(
      tenantAdmin.client.post('/api/admin/credits/add', { customerId: other.customer.id, amount: 3, description: 'other' }),
      403,
    );
    expect(await balanceOf(mine.customer.id)).toBe(3);
    expect(await balanceOf(other.customer.id)).toBe(0);
  });

  it('200 concurrent additions give the exact balance and a gap-free before/after chain', async () => {
    const { customer } = await tenant(admin);
    const N = 200;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        admin.post('/api/admin/credits/add', { customerId: customer.id, amount: (i % 7) + 1, description: `c${i}` }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(N).fill(200));
    const expected = Array.from({ length: N }, (_, i) => (i % 7) + 1).reduce((a, b) => a + b, 0);
    expect(await balanceOf(customer.id)).toBe(expected);
    const rows: Array<{ amount: number; balanceBefore: number; balanceAfter: number }> = [];
    for (let page = 1; page <= 2; page++) {
      const list = await admin.expectJson(
        admin.get(`/api/admin/credits/transactions?customerId=${customer.id}&order=asc&pageSize=100&page=${page}`),
        200,
      );
      rows.push(...list.items);
    }
    expect(rows).toHaveLength(N);
    let running = 0;
    for (const row of rows) {
      expect(row.balanceBefore).toBe(running);
      expect(row.balanceAfter).toBe(running + row.amount);
      running = row.balanceAfter;
    }
    expect(running).toBe(expected);
  });
});
