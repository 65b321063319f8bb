import { beforeAll, describe, expect, it } from 'vitest';
import { superAdmin, tenant, type ApiClient } from '../support/api';

/**
 * Ledger v2 over HTTP: the optional grant terms on the guide's add endpoint, one transaction with
 * its allocations, void, deduct, the one breakdown, balance at any time, grants, verify; bad input
 * is a clear 4xx and changes nothing; 50 concurrent look-ups over three grants succeed exactly 10
 * times and the allocations say which grant paid each.
 */

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

async function credits(customerId: number) {
  return admin.expectJson(admin.get(`/api/admin/customers/${customerId}/credits`), 200);
}

async function transactionCount(customerId: number): Promise<number> {
  return (await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customerId}&pageSize=1`), 200)).total;
}

describe('POST /api/admin/credits/add with grant terms', () => {
  it('takes category, expiresAt and priority; the answer keeps the guide\'s shape', async () => {
    const { customer } = await tenant(admin);
    const expiresAt = inHours(48);
    const body = await admin.expectJson(
      admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 40, description: 'Q4 promo', category: 'paid', expiresAt, priority: 5 }),
      200,
    );
    expect(Object.keys(body)).toEqual(['success', 'message', 'transaction']);
    expect(Object.keys(body.transaction).sort()).toEqual(['amount', 'balanceAfter', 'balanceBefore', 'createdAt', 'customerId', 'description', 'id']);
    const { items } = await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}/grants`), 200);
    expect(items).toEqual([
      expect.objectContaining({ id: body.transaction.id, category: 'paid', amount: 40, remaining: 40, expiresAt, priority: 5, status: 'active' }),
    ]);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['expiresAt in the past', { expiresAt: new Date(Date.now() - 60_000).toISOString() }, /in the future/],
    ['expiresAt unparsable', { expiresAt: 'next tuesday' }, /ISO-8601/],
    ['expiresAt without a zone', { expiresAt: '2099-01-01T00:00:00' }, /ISO-8601/],
    ['priority above 1000', { priority: 1001 }, /0 to 1000/],
    ['priority negative', { priority: -1 }, /0 to 1000/],
    ['priority fractional', { priority: 1.5 }, /whole number/],
    ['category unknown', { category: 'gift' }, /paid, promotional/],
  ];
  it.each(bad)('%s → 400, nothing written', async (_name, extra, message) => {
    const { customer } = await tenant(admin);
    const res = await admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 5, description: 'x', ...extra });
    expect(res.status).toBe(400);
    const json = await res.json();
    expect(json.code).toBe('validation_failed');
    expect(JSON.stringify(json)).toMatch(message);
    expect(await transactionCount(customer.id)).toBe(0);
  });
});

describe('GET /api/admin/credits/transactions/{id}', () => {
  it('a debit with its allocations; a grant with its consumption', async () => {
    const { customer, makeUser } = await tenant(admin);
    const { client: asUser } = await makeUser('USER');
    const promo = await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 1, description: 'first', priority: 1 }), 200);
    const main = await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 10, description: 'main' }), 200);
    await asUser.expectJson(asUser.post('/api/search', { query: 'builder' }), 200);
    await asUser.expectJson(asUser.post('/api/search', { query: 'builder' }), 200);
    const usage = (await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customer.id}&type=usage`), 200)).items;
    expect(usage).toHaveLength(2);
    const [second, first] = usage;
    const d1 = await admin.expectJson(admin.get(`/api/admin/credits/transactions/${first.id}`), 200);
    expect(d1.transaction).toMatchObject({ id: first.id, type: 'usage', amount: -1 });
    expect(d1.allocations).toEqual([expect.objectContaining({ grantId: promo.transaction.id, amount: -1 })]);
    const d2 = await admin.expectJson(admin.get(`/api/admin/credits/transactions/${second.id}`), 200);
    expect(d2.allocations).toEqual([expect.objectContaining({ grantId: main.transaction.id, amount: -1 })]);
    const g = await admin.expectJson(admin.get(`/api/admin/credits/transactions/${main.transaction.id}`), 200);
    expect(g.grant).toMatchObject({ amount: 10, remaining: 9, status: 'active', category: 'promotional' });
    expect(g.allocations).toEqual([expect.objectContaining({ transactionId: second.id, amount: -1 })]);
    expect((await admin.get('/api/admin/credits/transactions/999999999')).status).toBe(404);
    expect((await admin.get('/api/admin/credits/transactions/abc')).status).toBe(400);
  });
});

describe('void', () => {
  it('voids the unspent remainder; twice, a usage row, another tenant: clear 4xx, nothing changed', async () => {
    const { customer, makeUser } = await tenant(admin);
    const { client: asUser } = await makeUser('USER');
    const g = await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 100, description: 'by mistake' }), 200);
    await asUser.expectJson(asUser.post('/api/search', { query: 'builder' }), 200);
    const voided = await admin.expectJson(admin.post(`/api/admin/credits/transactions/${g.transaction.id}/void`, { reason: 'wrong customer' }), 200);
    expect(voided).toMatchObject({ success: true, message: 'Grant voided successfully', transaction: { amount: -99, balanceBefore: 99, balanceAfter: 0, grantId: g.transaction.id } });
    expect(voided.transaction.description).toBe(`[ADMIN] Void of grant #${g.transaction.id}: wrong customer (Voided by: admin)`);
    const rows = await transactionCount(customer.id);

    const again = await admin.post(`/api/admin/credits/transactions/${g.transaction.id}/void`, { reason: 'again' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: 'Already voided', code: 'conflict' });
    const usage = (await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customer.id}&type=usage`), 200)).items[0];
    const onUsage = await admin.post(`/api/admin/credits/transactions/${usage.id}/void`, { reason: 'x' });
    expect(onUsage.status).toBe(400);
    expect(await onUsage.json()).toMatchObject({ error: 'Only grants can be voided' });
    const noReason = await admin.post(`/api/admin/credits/transactions/${g.transaction.id}/void`, { reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(await transactionCount(customer.id)).toBe(rows);
    expect((await credits(customer.id)).breakdown).toMatchObject({ purchased: 100, used: 1, voided: 99 });

    // A customer admin may not void at all (SUPER_ADMIN only).
    const { client: asTenantAdmin } = await (await tenant(admin)).makeUser('CUSTOMER_ADMIN');
    expect((await asTenantAdmin.post(`/api/admin/credits/transactions/${g.transaction.id}/void`, { reason: 'x' })).status).toBe(403);
  });
});

describe('POST /api/admin/credits/deduct', () => {
  it('answers like the add, with ADMIN_DEDUCT_ payment id and Idempotency-Key; 409 Insufficient credits', async () => {
    const { customer, makeUser } = await tenant(admin, { credits: 10 });
    const { user: tenantAdmin, client: asTenantAdmin } = await makeUser('CUSTOMER_ADMIN');
    const key = `deduct-${Date.now()}`;
    const first = await asTenantAdmin.expectJson(
      asTenantAdmin.post('/api/admin/credits/deduct', { customerId: customer.id, amount: 4, description: 'chargeback' }, { 'Idempotency-Key': key }),
      200,
    );
    expect(Object.keys(first)).toEqual(['success', 'message', 'transaction']);
    expect(first).toMatchObject({
      success: true,
      message: 'Credits deducted successfully',
      transaction: { customerId: customer.id, amount: -4, balanceBefore: 10, balanceAfter: 6, description: `[ADMIN] chargeback (Deducted by: ${tenantAdmin.username})` },
    });
    const replay = await asTenantAdmin.expectJson(
      asTenantAdmin.post('/api/admin/credits/deduct', { customerId: customer.id, amount: 4, description: 'chargeback' }, { 'Idempotency-Key': key }),
      200,
    );
    expect(replay).toEqual(first);
    const rows = (await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customer.id}&type=deduction`), 200)).items;
    expect(rows).toHaveLength(1);
    expect(rows[0].paymentId).toMatch(new RegExp(`^ADMIN_DEDUCT_${tenantAdmin.id}_\\d{13}$`));

    const tooMuch = await asTenantAdmin.post('/api/admin/credits/deduct', { customerId: customer.id, amount: 7, description: 'x' });
    expect(tooMuch.status).toBe(409);
    expect(await tooMuch.json()).toMatchObject({ error: 'Insufficient credits', code: 'conflict', details: { balance: 6, requested: 7 } });
    for (const amount of [0, 10_001, 1.5, '3']) {
      expect((await asTenantAdmin.post('/api/admin/credits/deduct', { customerId: customer.id, amount, description: 'x' })).status).toBe(400);
    }
    const other = await tenant(admin, { credits: 5 });
    expect((await asTenantAdmin.post('/api/admin/credits/deduct', { customerId: other.customer.id, amount: 1, description: 'x' })).status).toBe(403);
    expect((await credits(customer.id)).balance).toBe(6);
    expect((await credits(other.customer.id)).balance).toBe(5);
  });
});

describe('GET /api/admin/customers/{id}/credits', () => {
  it('answers balance and a breakdown of exactly the eight names, the same numbers as the Customers list; ?at= the past', async () => {
    const { customer } = await tenant(admin, { credits: 30 });
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await admin.expectJson(admin.post('/api/admin/credits/deduct', { customerId: customer.id, amount: 5, description: 'x' }), 200);
    const now = await credits(customer.id);
    expect(Object.keys(now.breakdown)).toEqual(['purchased', 'paid', 'promotional', 'used', 'refunded', 'expired', 'voided', 'deducted']);
    expect(now).toMatchObject({ balance: 25, breakdown: { purchased: 30, promotional: 30, paid: 0, deducted: 5, used: 0 } });
    const { customer: listed } = await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}`), 200);
    expect(listed).toMatchObject({ creditBalance: 25, totalCreditsPurchased: 30, totalCreditsUsed: 0 });
    const then = await admin.expectJson(admin.get(`/api/admin/customers/${customer.id}/credits?at=${encodeURIComponent(before)}`), 200);
    expect(then).toEqual({ customerId: customer.id, at: before, balance: 30, breakdown: { purchased: 30, paid: 0, promotional: 30, used: 0, refunded: 0, expired: 0, voided: 0, deducted: 0 } });
    expect((await admin.get(`/api/admin/customers/${customer.id}/credits?at=yesterday`)).status).toBe(400);
  });
});

describe('GET /api/admin/credits/verify', () => {
  it('reports an intact chain for a customer and for every customer', async () => {
    const { customer } = await tenant(admin, { credits: 3 });
    expect(await admin.expectJson(admin.get(`/api/admin/credits/verify?customerId=${customer.id}`), 200)).toEqual({ ok: true, checked: 1, firstBadTransactionId: null });
    const all = await admin.expectJson(admin.get('/api/admin/credits/verify'), 200);
    expect(all).toMatchObject({ ok: true, firstBadTransactionId: null });
    expect(all.checked).toBeGreaterThan(1);
  });
});

describe('concurrency', () => {
  it('50 concurrent look-ups on balance 10 over three grants succeed exactly 10 times; the allocations say which grant paid', async () => {
    const { customer, makeUser } = await tenant(admin);
    const { client: asUser } = await makeUser('USER');
    const add = (body: Record<string, unknown>) => admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, description: 'g', ...body }), 200);
    const expiring = await add({ amount: 3, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const paid = await add({ amount: 4, category: 'paid' });
    const forever = await add({ amount: 3 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => asUser.post('/api/search', { query: 'builder' })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 402)).toBe(true);
    const usage = (await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customer.id}&type=usage&pageSize=100&order=asc`), 200)).items;
    expect(usage).toHaveLength(10);
    const paidBy: number[] = [];
    for (const u of usage) {
      const { allocations } = await admin.expectJson(admin.get(`/api/admin/credits/transactions/${u.id}`), 200);
      expect(allocations).toHaveLength(1);
      paidBy.push(allocations[0].grantId);
    }
    expect(paidBy).toEqual([
      ...Array(3).fill(expiring.transaction.id),
      ...Array(4).fill(paid.transaction.id),
      ...Array(3).fill(forever.transaction.id),
    ]);
    expect((await credits(customer.id)).balance).toBe(0);
  });
});
