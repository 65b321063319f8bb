/**
 * POST /api/admin/credits/bulk and GET /api/admin/credits/bulk/{batchId} on the suites' server
 * (no grant controls set): dry runs, bad rows of every kind, CSV and JSON, a repeated
 * Idempotency-Key, and 10,000 rows booked as the guide's ordinary admin grants.
 */
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertExactErrorShape, superAdmin, tenant, type ApiClient } from '../support/api';
import { sleep } from '../support/auth';

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

const CSV = { 'content-type': 'text/csv' };
const key = () => ({ 'idempotency-key': crypto.randomUUID() });
const dryRun = (body: unknown, headers: Record<string, string> = {}) => admin.post('/api/admin/credits/bulk?dryRun=true', body, headers);
const balanceOf = async (id: number) => (await admin.expectJson(admin.get(`/api/admin/customers/${id}`), 200)).customer.creditBalance as number;
const transactionCount = async (id: number) => (await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${id}&pageSize=1`), 200)).total as number;

async function waitDone(batchId: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const b = await admin.expectJson(admin.get(`/api/admin/credits/bulk/${batchId}?rows=false`), 200);
    if (b.status === 'done') return admin.expectJson(admin.get(`/api/admin/credits/bulk/${batchId}`), 200);
    if (Date.now() > deadline) throw new Error(`batch ${batchId} not done: ${JSON.stringify(b)}`);
    await sleep(500);
  }
}

describe('dry run', () => {
  it('checks every row and writes nothing: unknown customers, amounts out of range, formulas, missing descriptions', async () => {
    const { customer: a } = await tenant(admin);
    const { customer: b } = await tenant(admin);
    const csv = [
      'customerId,amount,description',
      `${a.id},100,Q4 promotion`,
      `999999,5,Nobody`,
      `${b.id},0,Zero`,
      `${b.id},10001,Too many`,
      `${b.id},-3,Negative`,
      `${b.id},1.5,Half`,
      `${a.id},5,=cmd|' /C calc'!A0`,
      `${a.id},5,`,
      `abc,5,Not an id`,
      `${b.id},10000,Max`,
    ].join('\n');
    const before = [await transactionCount(a.id), await transactionCount(b.id)];
    const preview = await admin.expectJson(dryRun(csv, CSV), 200);
    expect(preview).toMatchObject({ valid: 2, invalid: 8, totalCredits: 10_100 });
    const byLine = Object.fromEntries(preview.rows.map((r: { line: number }) => [r.line, r]));
    expect(byLine[2]).toEqual({ line: 2, customerId: a.id, customerName: a.name, amount: 100, description: 'Q4 promotion', ok: true, error: null });
    expect(byLine[3]).toMatchObject({ ok: false, customerName: null, error: 'No customer with ID 999999' });
    expect(byLine[4]).toMatchObject({ ok: false, error: 'Amount must be at least 1' });
    expect(byLine[5]).toMatchObject({ ok: false, error: 'Maximum 10,000 credits exceeded' });
    expect(byLine[6]).toMatchObject({ ok: false, error: 'Amount must be at least 1' });
    expect(byLine[7]).toMatchObject({ ok: false, error: 'Amount must be a whole number of credits' });
    expect(byLine[8]).toMatchObject({ ok: false, error: 'description starts with "=": spreadsheet formulas are not accepted' });
    expect(byLine[9]).toMatchObject({ ok: false, error: 'Description is required' });
    expect(byLine[10]).toMatchObject({ ok: false, customerId: null, error: 'Must be a number' });
    expect(byLine[11]).toMatchObject({ ok: true, customerName: b.name, amount: 10_000 });
    expect([await transactionCount(a.id), await transactionCount(b.id)]).toEqual(before);
  });

  it('takes JSON rows too, numbered from 1, with the add endpoint\'s rules (strings are not numbers)', async () => {
    const { customer } = await tenant(admin);
    const preview = await admin.expectJson(
      dryRun({ rows: [{ customerId: customer.id, amount: 5, description: 'ok', category: 'paid' }, { customerId: customer.id, amount: '5', description: 'text' }, { customerId: customer.id, amount: 5, description: 'x', priority: 3 }] }),
      200,
    );
    expect(preview.rows.map((r: { line: number; ok: boolean; error: string | null }) => [r.line, r.ok, r.error])).toEqual([
      [1, true, null],
      [2, false, 'Amount must be a number'],
      [3, false, 'Unknown field priority'],
    ]);
  });

  it('refuses the whole upload, changing nothing, for a broken quote, a bad header, more than 10,000 rows or a wrong content', async () => {
    const { customer } = await tenant(admin);
    const cases: Array<[string, unknown, Record<string, string>, number, string]> = [
      ['broken quote', `customerId,amount,description\n${customer.id},5,"never closed\n${customer.id},5,ok\n`, CSV, 400, 'Line 2: a quoted field is never closed'],
      ['stray quote', `customerId,amount,description\n${customer.id},5,say "hi"\n`, CSV, 400, 'Line 2: a quote inside an unquoted field; quote the whole field and write the quote as ""'],
      ['missing column', `customerId,amount\n${customer.id},5\n`, CSV, 400, 'Missing column description: the header must name customerId,amount,description'],
      ['10,001 rows', `customerId,amount,description\n${`${customer.id},1,x\n`.repeat(10_001)}`, CSV, 400, 'At most 10,000 rows per upload, got 10,001'],
      ['no rows', { rows: [] }, {}, 400, 'Send at least one row'],
      ['CSV sent as JSON', `customerId,amount,description\n${customer.id},5,x\n`, {}, 400, 'Malformed JSON'],
    ];
    for (const [label, body, headers, status, error] of cases) {
      for (const url of ['/api/admin/credits/bulk?dryRun=true', '/api/admin/credits/bulk']) {
        const res = await admin.post(url, body, { ...headers, ...key() });
        expect(res.status, label).toBe(status);
        const json = await res.json();
        assertExactErrorShape(json);
        expect(json.error, label).toBe(error);
      }
    }
    expect(await transactionCount(customer.id)).toBe(0);
  });
});

describe('a batch', () => {
  it('books each valid row as the guide\'s admin grant, fails the bad ones without stopping the others, and reports progress and results', async () => {
    const { customer: a } = await tenant(admin);
    const { customer: b } = await tenant(admin);
    const csv = `customerId,amount,description,category\n${a.id},100,Q4 promotion,paid\n424242,5,Nobody,\n${b.id},20000,Too much,\n${b.id},25,"Bonus, with comma",\n`;
    const submitted = await admin.expectJson(admin.post('/api/admin/credits/bulk', csv, { ...CSV, ...key() }), 202);
    expect(Object.keys(submitted)).toEqual(['batchId']);
    const done = await waitDone(submitted.batchId);
    expect(done).toMatchObject({ batchId: submitted.batchId, status: 'done', total: 4, processed: 4, succeeded: 2, failed: 2, totalCredits: 125, approval: null });
    expect(done.rows.map((r: { line: number; status: string; error: string | null }) => [r.line, r.status, r.error])).toEqual([
      [2, 'succeeded', null],
      [3, 'failed', 'No customer with ID 424242'],
      [4, 'failed', 'Maximum 10,000 credits exceeded'],
      [5, 'succeeded', null],
    ]);
    expect(await balanceOf(a.id)).toBe(100);
    expect(await balanceOf(b.id)).toBe(25);
    const { items } = await admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${b.id}&source=manual_admin`), 200);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: done.rows[3].transactionId, type: 'admin_grant', amount: 25, description: '[ADMIN] Bonus, with comma (Added by: admin)' });
    expect(items[0].paymentId).toMatch(/^MANUAL_ADMIN_\d+_\d{13}$/);
  });

  it('a repeated Idempotency-Key never grants twice: the same answer, one batch; the same key with other rows is a 409', async () => {
    const { customer } = await tenant(admin);
    const body = { rows: [{ customerId: customer.id, amount: 7, description: 'once' }] };
    const headers = key();
    const sent = await Promise.all([1, 2, 3].map(() => admin.post('/api/admin/credits/bulk', body, headers)));
    const answers = await Promise.all(sent.map(async (r) => [r.status, await r.json()]));
    const ok = answers.filter(([s]) => s === 202);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const [, a] of ok) expect(a).toEqual(ok[0]![1]);
    await waitDone(ok[0]![1].batchId);
    const again = await admin.expectJson(admin.post('/api/admin/credits/bulk', body, headers), 202);
    expect(again).toEqual(ok[0]![1]);
    await sleep(1_000);
    expect(await balanceOf(customer.id)).toBe(7);
    expect(await transactionCount(customer.id)).toBe(1);
    const other = await admin.post('/api/admin/credits/bulk', { rows: [{ customerId: customer.id, amount: 8, description: 'other' }] }, headers);
    expect(other.status).toBe(409);
  });

  it('needs an Idempotency-Key, and a batch of nothing but bad rows is refused', async () => {
    const { customer } = await tenant(admin);
    const noKey = await admin.post('/api/admin/credits/bulk', { rows: [{ customerId: customer.id, amount: 1, description: 'x' }] });
    expect(noKey.status).toBe(400);
    expect((await noKey.json()).error).toBe('Idempotency-Key required');
    const allBad = await admin.post('/api/admin/credits/bulk', { rows: [{ customerId: 999_998, amount: 1, description: 'x' }] }, key());
    expect(allBad.status).toBe(400);
    expect(await allBad.json()).toMatchObject({ error: 'No row can be granted', details: { 'line 1': 'No customer with ID 999998' } });
    expect(await transactionCount(customer.id)).toBe(0);
  });

  it('10,000 rows: previewed, then booked, every row exactly once', async () => {
    const customers = await Promise.all(Array.from({ length: 10 }, async () => (await tenant(admin)).customer));
    const csv = `customerId,amount,description\n${Array.from({ length: 10_000 }, (_, i) => `${customers[i % 10]!.id},1,Row ${i + 1}`).join('\n')}\n`;
    const preview = await admin.expectJson(dryRun(csv, CSV), 200);
    expect(preview).toMatchObject({ valid: 10_000, invalid: 0, totalCredits: 10_000 });
    const { batchId } = await admin.expectJson(admin.post('/api/admin/credits/bulk', csv, { ...CSV, ...key() }), 202);
    const done = await waitDone(batchId, 280_000);
    expect(done).toMatchObject({ total: 10_000, succeeded: 10_000, failed: 0 });
    expect(new Set(done.rows.map((r: { transactionId: number }) => r.transactionId)).size).toBe(10_000);
    for (const c of customers) {
      expect(await balanceOf(c.id)).toBe(1_000);
      expect(await transactionCount(c.id)).toBe(1_000);
    }
  }, 300_000);

  it('an unknown batch is a 404; a CUSTOMER_ADMIN may not upload', async () => {
    expect((await admin.get('/api/admin/credits/bulk/987654')).status).toBe(404);
    const { makeUser } = await tenant(admin);
    const ca = (await makeUser('CUSTOMER_ADMIN')).client;
    const res = await ca.post('/api/admin/credits/bulk?dryRun=true', { rows: [] });
    expect(res.status).toBe(403);
  });
});
