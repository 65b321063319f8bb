/**
 * Webhooks and balance alerts end to end, on servers of their own: a local receiver verifies
 * every delivery with the Standard Webhooks reference library and answers 500s and timeouts; a
 * local SMTP server receives the alert emails; an app killed between a commit and its delivery
 * delivers after restart.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { PASSWORD } from '../support/api';
import { ApiClient } from '../support/http-client';
import { startServer, type RunningServer } from '../support/server';
import { startSmtp } from '../support/smtp';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FAST = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_BASE_SECONDS: '1',
  WEBHOOK_DISPATCH_INTERVAL_SECONDS: '1',
  WEBHOOK_TIMEOUT_MS: '1000',
  LOW_BALANCE_THRESHOLD: '20',
};

let srv: RunningServer;
let admin: ApiClient;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let receiver: Receiver;

beforeAll(async () => {
  smtp = await startSmtp();
  srv = await startServer({ ...FAST, SMTP_URL: smtp.url, EMAIL_FROM: 'alerts@roblox-tool.test' });
  admin = new ApiClient(srv.baseUrl);
  await admin.signIn(srv.adminUsername, srv.adminPassword);
}, 180_000);
afterAll(async () => {
  await srv?.stop();
  await smtp?.close();
});
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

async function customer(extra: Record<string, unknown> = {}) {
  const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: unique('Hooks'), ...extra }), 201);
  return customer as { id: number; lowBalanceThreshold: number };
}

async function hook(client: ApiClient, body: Record<string, unknown>) {
  const created = await client.expectJson(client.post('/api/admin/webhooks', { url: receiver.url, ...body }), 201);
  receiver.secret = created.secret;
  return created as { webhook: { id: number; customerId: number | null }; secret: string };
}

async function deliveries(webhookId: number) {
  return (await admin.expectJson(admin.get(`/api/admin/webhooks/${webhookId}/deliveries`), 200)).items as Array<Record<string, any>>;
}

describe('webhooks over HTTP', () => {
  it('creates an endpoint (secret shown once), delivers a signed credit_transaction.created, lists the delivery', async () => {
    const c = await customer();
    const { webhook, secret } = await hook(admin, { events: ['credit_transaction.created'], customerId: c.id });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ customerId: c.id, events: ['credit_transaction.created'], enabled: true });
    const list = await admin.expectJson(admin.get(`/api/admin/webhooks?customerId=${c.id}`), 200);
    expect(JSON.stringify(list)).not.toContain(secret);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: c.id, amount: 40, description: 'hooked' }), 200);
    const [got] = await receiver.waitFor(1);
    expect(got!.verifyError).toBeUndefined();
    expect(got!.verified).toMatchObject({ type: 'credit_transaction.created', data: { customerId: c.id, amount: 40, type: 'admin_grant' } });
    await expect.poll(async () => (await deliveries(webhook.id))[0]).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200, eventType: 'credit_transaction.created' });
  });

  it('retries 500s and timeouts with backoff until a 2xx', async () => {
    const c = await customer();
    const { webhook } = await hook(admin, { events: ['credit_transaction.created'], customerId: c.id });
    receiver.queue = [500, 'hang', 503];
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: c.id, amount: 5, description: 'retry' }), 200);
    const got = await receiver.waitFor(4, undefined, 60_000);
    expect(got.map((r) => r.answered)).toEqual([500, 'hang', 503, 200]);
    for (const r of got) expect(r.verifyError).toBeUndefined();
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    await expect.poll(async () => (await deliveries(webhook.id))[0], { timeout: 10_000 }).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 200 });
  }, 90_000);

  it('POST …/test sends webhook.test now; POST …/deliveries/{id}/retry attempts again', async () => {
    const { webhook } = await hook(admin, { events: ['credits.low'] });
    expect(webhook.customerId).toBeNull();
    receiver.queue = [500];
    const { delivery } = await admin.expectJson(admin.post(`/api/admin/webhooks/${webhook.id}/test`), 200);
    expect(delivery).toMatchObject({ eventType: 'webhook.test', status: 'pending', attempts: 1, lastStatusCode: 500 });
    const retried = await admin.expectJson(admin.post(`/api/admin/webhooks/${webhook.id}/deliveries/${delivery.id}/retry`), 200);
    expect(retried.delivery).toMatchObject({ id: delivery.id, status: 'succeeded', attempts: 2, lastStatusCode: 200 });
    expect(receiver.received.map((r) => r.verified?.type)).toEqual(['webhook.test', 'webhook.test']);
    await admin.expectJson(admin.request('DELETE', `/api/admin/webhooks/${webhook.id}`), 200);
    await admin.expectJson(admin.get(`/api/admin/webhooks/${webhook.id}`), 404);
  });

  it("a CUSTOMER_ADMIN's endpoint is their customer's; another customer's events never reach it", async () => {
    const mine = await customer();
    const other = await customer();
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('hookadmin'), password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: mine.id }),
      201,
    );
    const ca = new ApiClient(srv.baseUrl);
    await ca.signIn(user.username, PASSWORD);
    const { webhook } = await hook(ca, { events: ['credit_transaction.created'] });
    expect(webhook.customerId).toBe(mine.id);
    const refused = await ca.post('/api/admin/webhooks', { url: receiver.url, events: ['credits.low'], customerId: other.id });
    expect(refused.status).toBe(403);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: other.id, amount: 3, description: 'not yours' }), 200);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: mine.id, amount: 4, description: 'yours' }), 200);
    const [got] = await receiver.waitFor(1);
    await sleep(1_500);
    expect(receiver.received).toHaveLength(1);
    expect(got!.verified!.data).toMatchObject({ customerId: mine.id, amount: 4 });
  });
});

describe('balance alerts', () => {
  it('credits.low goes to the webhooks, the admins\' bell and by email to the contact and admin addresses', async () => {
    const contact = `${unique('contact').toLowerCase()}@example.com`;
    const c = await customer({ contactEmail: contact });
    expect(c.lowBalanceThreshold).toBe(20);
    const adminEmail = `${unique('ca').toLowerCase()}@example.com`;
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('alerted'), password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: c.id, email: adminEmail }),
      201,
    );
    expect(user.email).toBe(adminEmail);
    const { webhook } = await hook(admin, { events: ['credits.low', 'credits.depleted'], customerId: c.id });
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: c.id, amount: 30, description: 'start' }), 200);
    await admin.expectJson(admin.post('/api/admin/credits/deduct', { customerId: c.id, amount: 15, description: 'below 20' }), 200);
    await admin.expectJson(admin.post('/api/admin/credits/deduct', { customerId: c.id, amount: 5, description: 'still below' }), 200);
    const [low] = await receiver.waitFor(1);
    expect(low!.verified).toMatchObject({ type: 'credits.low', data: { customerId: c.id, balance: 15, threshold: 20 } });
    const mails = await smtp.waitFor(1);
    const mail = mails.find((m) => m.to.includes(contact))!;
    expect(mail.to.sort()).toEqual([adminEmail, contact].sort());
    expect(mail.from).toBe('alerts@roblox-tool.test');
    expect(mail.raw).toMatch(/Subject: \[roblox-tool\] Low balance/);

    const ca = new ApiClient(srv.baseUrl);
    await ca.signIn(user.username, PASSWORD);
    const bell = await ca.expectJson(ca.get('/api/me/notifications'), 200);
    expect(bell.unreadCount).toBe(1);
    expect(bell.items[0]).toMatchObject({ type: 'credits.low', customerId: c.id, readAt: null, title: expect.stringMatching(/^Low balance/) });
    expect(await ca.expectJson(ca.post('/api/me/notifications/read', {}), 200)).toEqual({ unreadCount: 0 });

    // The threshold is the customer's own once set; 0 turns the alert off.
    const { customer: edited } = await admin.expectJson(admin.patch(`/api/admin/customers/${c.id}`, { lowBalanceThreshold: 0 }), 200);
    expect(edited).toMatchObject({ lowBalanceThreshold: 0, lowBalanceThresholdIsCustom: true });
    await admin.expectJson(admin.post('/api/admin/credits/deduct', { customerId: c.id, amount: 10, description: 'to zero' }), 200);
    const depleted = await receiver.waitFor(1, (r) => r.verified?.type === 'credits.depleted');
    expect(depleted[0]!.verified!.data).toMatchObject({ customerId: c.id, balance: 0 });
    expect((await deliveries(webhook.id)).map((d) => d.eventType).sort()).toEqual(['credits.depleted', 'credits.low']);
  }, 60_000);
});

describe("a customer's own low-balance threshold", () => {
  it('its CUSTOMER_ADMIN sets it (not the rest of the customer, not another customer\'s); credits.low then fires at it', async () => {
    const mine = await customer();
    const other = await customer();
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('thresholder'), password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: mine.id }),
      201,
    );
    const ca = new ApiClient(srv.baseUrl);
    await ca.signIn(user.username, PASSWORD);
    const path = (id: number) => `/api/admin/customers/${id}/low-balance-threshold`;

    const bad = await ca.expectJson(ca.put(path(mine.id), { lowBalanceThreshold: -1 }), 400);
    expect(bad.details).toHaveProperty('lowBalanceThreshold');
    expect((await ca.expectJson(ca.put(path(mine.id), {}), 400)).details).toHaveProperty('lowBalanceThreshold');
    expect((await ca.expectJson(ca.put(path(other.id), { lowBalanceThreshold: 5 }), 403)).details).toBe('You can only set the low-balance threshold of your own customer account');
    expect((await ca.expectJson(ca.patch(`/api/admin/customers/${mine.id}`, { lowBalanceThreshold: 5 }), 403)).code).toBe('forbidden');
    expect((await admin.expectJson(admin.get(`/api/admin/customers/${other.id}`), 200)).customer.lowBalanceThresholdIsCustom).toBe(false);

    const { customer: set } = await ca.expectJson(ca.put(path(mine.id), { lowBalanceThreshold: 100 }), 200);
    expect(set).toMatchObject({ id: mine.id, lowBalanceThreshold: 100, lowBalanceThresholdIsCustom: true });
    await hook(admin, { events: ['credits.low'], customerId: mine.id });
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: mine.id, amount: 120, description: 'start' }), 200);
    await admin.expectJson(admin.post('/api/admin/credits/deduct', { customerId: mine.id, amount: 30, description: 'below 100' }), 200);
    const [low] = await receiver.waitFor(1);
    expect(low!.verified).toMatchObject({ type: 'credits.low', data: { customerId: mine.id, balance: 90, threshold: 100 } });
    const audit = await admin.expectJson(admin.get(`/api/admin/audit?customerId=${mine.id}&action=customer.updated`), 200);
    expect(audit.items[0]).toMatchObject({ actorUsername: user.username, before: { lowBalanceThreshold: null }, after: { lowBalanceThreshold: 100 } });

    // null: back to the platform default.
    const { customer: reset } = await ca.expectJson(ca.put(path(mine.id), { lowBalanceThreshold: null }), 200);
    expect(reset).toMatchObject({ lowBalanceThreshold: 20, lowBalanceThresholdIsCustom: false });
  });
});

describe('an app killed between commit and delivery', () => {
  it('delivers after restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-hooks-'));
    const pglite: Record<string, string> = process.env.TEST_DATABASE_URL ? {} : { PGLITE_DATA_DIR: path.join(dataDir, 'pglite') };
    // A minute between delivery passes: nothing goes out before the kill.
    // A restart keeps NEXTAUTH_SECRET, as every deployment does: the signing secrets are sealed under it.
    const sessionSecret = crypto.randomBytes(32).toString('base64url');
    const first = await startServer({ ...FAST, ...pglite, NEXTAUTH_SECRET: sessionSecret, WEBHOOK_DISPATCH_INTERVAL_SECONDS: '60' });
    let second: RunningServer | undefined;
    try {
      const a = new ApiClient(first.baseUrl);
      await a.signIn(first.adminUsername, first.adminPassword);
      const { customer: c } = await a.expectJson(a.post('/api/admin/customers', { name: unique('Crash') }), 201);
      const created = await a.expectJson(a.post('/api/admin/webhooks', { url: receiver.url, events: ['credit_transaction.created'], customerId: c.id }), 201);
      receiver.secret = created.secret;
      await a.expectJson(a.post('/api/admin/credits/add', { customerId: c.id, amount: 9, description: 'committed, then killed' }), 200);
      await first.kill();
      expect(receiver.received).toHaveLength(0);
      second = await startServer({ ...FAST, ...pglite, NEXTAUTH_SECRET: sessionSecret, ADMIN_PASSWORD: first.adminPassword }, { databaseUrl: first.databaseUrl });
      const [got] = await receiver.waitFor(1, undefined, 60_000);
      expect(got!.verifyError).toBeUndefined();
      expect(got!.verified).toMatchObject({ type: 'credit_transaction.created', data: { customerId: c.id, amount: 9 } });
    } finally {
      await second?.stop();
      await first.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
