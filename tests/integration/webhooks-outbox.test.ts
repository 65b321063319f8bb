/**
 * The outbox at the database level: events are written in the transaction of the change that
 * caused them (a rollback leaves nothing), delivered signed (verified by the Standard Webhooks
 * reference library), retried with backoff, endpoints that keep failing are disabled; balance
 * alerts fire exactly once per crossing, even under concurrent debits.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addCredits, consumeCredits } from '@/app/lib/credits';
import { queueExpiringAlerts } from '@/app/lib/notifications/alerts';
import { createWebhook, deliverDue, emitEvent, enableWebhook, retryDelaySeconds, sealWebhookSecrets } from '@/app/lib/webhooks';
import { migrate } from '@/app/lib/db/migrate';
import type { Queryable } from '@/app/lib/db/types';
import { createTestDb, type TestDatabase } from '../support/db';
import { newCustomer, newUser, sleep } from '../support/ledger-fixtures';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

let t: TestDatabase;
let receiver: Receiver;
let actor: { id: number; username: string };
// What NEXTAUTH_SECRET (and, in a rotation, NEXTAUTH_SECRET_PREVIOUS) would give: the current one first.
const SECRETS = ['outbox-test-session-secret'];
const ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_BASE_SECONDS: '1',
  WEBHOOK_TIMEOUT_MS: '500',
};

beforeAll(async () => {
  Object.assign(process.env, ENV);
  t = await createTestDb();
  actor = await newUser(t.db, null, 'SUPER_ADMIN');
});
afterAll(async () => {
  for (const k of Object.keys(ENV)) delete process.env[k];
  await t.drop();
});
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

async function hook(customerId: number | undefined, events: string[]) {
  const { webhook, secret } = await createWebhook(t.db, actor, customerId, { url: receiver.url, events: events as never }, SECRETS);
  receiver.secret = secret;
  return webhook;
}

const count = async (sql: string, params: unknown[] = [], q: Queryable = t.db) => (await q.query<{ n: number }>(sql, params)).rows[0]!.n;
const eventsOf = (customerId: number, type: string) =>
  count(`SELECT count(*)::int AS n FROM outbox_events WHERE customer_id = $1 AND type = $2`, [customerId, type]);
const deliveryOf = async (webhookId: number) =>
  (await t.db.query<{ status: string; attempts: number; last_status_code: number | null; next_in: number | null }>(
    `SELECT status, attempts, last_status_code, extract(epoch FROM next_attempt_at - now())::float AS next_in
       FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT 1`,
    [webhookId],
  )).rows[0]!;

describe('the outbox', () => {
  it('a committed ledger change is delivered, signed the Standard Webhooks way, with { type, timestamp, data }', async () => {
    const customerId = await newCustomer(t.db);
    const webhook = await hook(customerId, ['credit_transaction.created']);
    const row = await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 70, description: 'outbox' });
    expect(await deliverDue(t.db, SECRETS)).toBeGreaterThanOrEqual(1);
    const [got] = await receiver.waitFor(1);
    expect(got!.verifyError).toBeUndefined();
    expect(got!.verified).toMatchObject({ type: 'credit_transaction.created', data: { id: row.id, customerId, amount: 70, balanceAfter: 70 } });
    expect(Date.parse(got!.verified!.timestamp)).not.toBeNaN();
    expect(got!.headers['webhook-id']).toMatch(/^evt_\d+$/);
    expect(got!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(await deliveryOf(webhook.id)).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200 });
  });

  it('a change that rolls back emits nothing', async () => {
    const customerId = await newCustomer(t.db);
    await hook(customerId, ['credit_transaction.created', 'credits.low', 'credits.depleted']);
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 60, description: 'base' });
    const before = await count(`SELECT count(*)::int AS n FROM outbox_events WHERE customer_id = $1`, [customerId]);
    await expect(
      t.db.transaction(async (tx) => {
        await consumeCredits(tx, { customerId, userId: null, amount: 60, description: 'to zero, then rolled back' });
        // Inside the transaction the events exist; only its commit would let them out.
        expect(await count(`SELECT count(*)::int AS n FROM outbox_events WHERE customer_id = $1`, [customerId], tx)).toBe(before + 3);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await count(`SELECT count(*)::int AS n FROM outbox_events WHERE customer_id = $1`, [customerId])).toBe(before);
    expect(await eventsOf(customerId, 'credits.low')).toBe(0);
    expect(await eventsOf(customerId, 'credits.depleted')).toBe(0);
  });

  it("another domain's emitEvent (payments: purchase.completed) goes out with its transaction, to subscribers only", async () => {
    const customerId = await newCustomer(t.db);
    const subscribed = await hook(customerId, ['purchase.completed']);
    const other = await newCustomer(t.db);
    await t.db.transaction((tx) => emitEvent(tx, { type: 'purchase.completed', customerId: other, data: { customerId: other } }));
    await t.db.transaction((tx) => emitEvent(tx, { type: 'purchase.completed', customerId, data: { customerId, credits: 500 } }));
    expect(await emitEvent(t.db, { type: 'purchase.refunded', customerId, data: {} })).toBeNull();
    await deliverDue(t.db, SECRETS);
    const got = await receiver.waitFor(1);
    await sleep(200);
    expect(receiver.received).toHaveLength(1);
    expect(got[0]!.verified).toMatchObject({ type: 'purchase.completed', data: { customerId, credits: 500 } });
    expect(await deliveryOf(subscribed.id)).toMatchObject({ status: 'succeeded' });
  });

  it('retries a 500 and a timeout with backoff (same webhook-id each time), then succeeds', async () => {
    const customerId = await newCustomer(t.db);
    const webhook = await hook(customerId, ['credit_transaction.created']);
    receiver.queue = [500, 'hang', 200];
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 5, description: 'retry me' });
    await deliverDue(t.db, SECRETS);
    const first = await deliveryOf(webhook.id);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500 });
    // WEBHOOK_RETRY_BASE_SECONDS=1: the first retry 1-1.1 s later.
    expect(first.next_in).toBeGreaterThan(0.5);
    expect(first.next_in).toBeLessThanOrEqual(1.1);
    for (let i = 0; i < 40 && (await deliveryOf(webhook.id)).status === 'pending'; i++) {
      await deliverDue(t.db, SECRETS);
      await sleep(250);
    }
    expect(await deliveryOf(webhook.id)).toMatchObject({ status: 'succeeded', attempts: 3, last_status_code: 200 });
    const got = receiver.received;
    expect(got.map((r) => r.answered)).toEqual([500, 'hang', 200]);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of got) expect(r.verifyError).toBeUndefined();
    // The second retry waited about twice as long as the first.
    expect(got[2]!.at - got[1]!.at).toBeGreaterThan(got[1]!.at - got[0]!.at);
  }, 30_000);

  it('an endpoint failing every attempt for WEBHOOK_DISABLE_AFTER_SECONDS is disabled and its owners told; enabled again, its pending delivery goes out at once', async () => {
    process.env.WEBHOOK_DISABLE_AFTER_SECONDS = '1';
    try {
      const customerId = await newCustomer(t.db);
      const admin = await newUser(t.db, customerId, 'CUSTOMER_ADMIN');
      const webhook = await hook(customerId, ['credit_transaction.created']);
      receiver.fallback = 500;
      await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 5, description: 'fails' });
      for (let i = 0; i < 30; i++) {
        await deliverDue(t.db, SECRETS);
        const { rows } = await t.db.query<{ enabled: boolean }>(`SELECT enabled FROM webhooks WHERE id = $1`, [webhook.id]);
        if (!rows[0]!.enabled) break;
        await sleep(250);
      }
      const { rows } = await t.db.query<{ enabled: boolean; disabled_at: Date | null }>(`SELECT enabled, disabled_at FROM webhooks WHERE id = $1`, [webhook.id]);
      expect(rows[0]).toMatchObject({ enabled: false });
      expect(await count(`SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND type = 'webhook.disabled'`, [admin.id])).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM email_outbox o JOIN outbox_events e ON e.id = o.event_id WHERE e.type = 'webhook.disabled' AND e.customer_id = $1`, [customerId])).toBe(1);
      // A disabled endpoint gets nothing more.
      const n = receiver.received.length;
      await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 5, description: 'after' });
      await deliverDue(t.db, SECRETS);
      expect(receiver.received.length).toBe(n);

      // Fixed and enabled again: the delivery left pending goes out on the next pass, not after its backoff.
      receiver.fallback = 200;
      const enabled = await enableWebhook(t.db, actor, webhook.id, customerId);
      expect(enabled).toMatchObject({ enabled: true, disabledAt: null, failingSince: null });
      await deliverDue(t.db, SECRETS);
      expect(receiver.received.length).toBe(n + 1);
      expect(receiver.received.at(-1)!.verified).toMatchObject({ type: 'credit_transaction.created', data: { description: 'fails' } });
      expect(await deliveryOf(webhook.id)).toMatchObject({ status: 'succeeded', last_status_code: 200 });
      expect(await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'webhook.enabled' AND target_id = $1`, [String(webhook.id)])).toBe(1);
      // Enabling an enabled endpoint changes nothing (and audits nothing).
      await enableWebhook(t.db, actor, webhook.id, customerId);
      expect(await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'webhook.enabled' AND target_id = $1`, [String(webhook.id)])).toBe(1);
      // Another customer's admin can't reach it.
      await expect(enableWebhook(t.db, actor, webhook.id, await newCustomer(t.db))).rejects.toMatchObject({ status: 404 });
    } finally {
      delete process.env.WEBHOOK_DISABLE_AFTER_SECONDS;
    }
  }, 30_000);

  it('the default schedule: first retry within 2 minutes, retries for at least 24 hours', () => {
    delete process.env.WEBHOOK_RETRY_BASE_SECONDS;
    try {
      expect(retryDelaySeconds(1)).toBeLessThan(120);
      let elapsed = 0;
      let n = 1;
      // next attempt = min(now + delay, created + window): attempts continue until the window ends.
      while (elapsed < 86_400) elapsed = Math.min(elapsed + retryDelaySeconds(n++), 86_400);
      expect(elapsed).toBe(86_400);
      expect(n).toBeGreaterThan(8);
    } finally {
      process.env.WEBHOOK_RETRY_BASE_SECONDS = ENV.WEBHOOK_RETRY_BASE_SECONDS;
    }
  });
});

describe('balance alerts', () => {
  it('credits.low fires once per crossing and re-arms only at or above the threshold; credits.depleted at 0', async () => {
    const customerId = await newCustomer(t.db);
    await t.db.query(`UPDATE customers SET low_balance_threshold = 10 WHERE id = $1`, [customerId]);
    const admin = await newUser(t.db, customerId, 'CUSTOMER_ADMIN');
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 12, description: 'start' });
    const debit = (amount: number) => consumeCredits(t.db, { customerId, userId: null, amount, description: 'd' });
    await debit(2); // 12 → 10: at the threshold, not below
    expect(await eventsOf(customerId, 'credits.low')).toBe(0);
    await debit(1); // 10 → 9: crosses
    await debit(1); // 9 → 8: already below
    expect(await eventsOf(customerId, 'credits.low')).toBe(1);
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 1, description: 'still below' }); // 9
    await debit(1); // 9 → 8: not re-armed
    expect(await eventsOf(customerId, 'credits.low')).toBe(1);
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 2, description: 'back at' }); // 10
    await debit(8); // 10 → 2: crosses again
    expect(await eventsOf(customerId, 'credits.low')).toBe(2);
    expect(await eventsOf(customerId, 'credits.depleted')).toBe(0);
    await debit(2);
    expect(await eventsOf(customerId, 'credits.depleted')).toBe(1);
    const { rows } = await t.db.query<{ type: string; data: { balance: number; threshold?: number } }>(
      `SELECT type, data FROM notifications WHERE user_id = $1 ORDER BY id`,
      [admin.id],
    );
    expect(rows.map((r) => r.type)).toEqual(['credits.low', 'credits.low', 'credits.depleted']);
    expect(rows[0]!.data).toMatchObject({ balance: 9, threshold: 10 });
  });

  it('the platform default threshold (app_settings, from LOW_BALANCE_THRESHOLD) applies to customers without one', async () => {
    const customerId = await newCustomer(t.db);
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 60, description: 'start' });
    await consumeCredits(t.db, { customerId, userId: null, amount: 15, description: 'd' }); // 60 → 45 < 50
    expect(await eventsOf(customerId, 'credits.low')).toBe(1);
  });

  const concurrent = process.env.TEST_DATABASE_URL ? 1_000 : 200;
  it(`${concurrent} concurrent debits across the threshold produce exactly one credits.low`, async () => {
    const customerId = await newCustomer(t.db);
    await t.db.query(`UPDATE customers SET low_balance_threshold = $2 WHERE id = $1`, [customerId, concurrent / 2]);
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: concurrent, description: 'start' });
    // All of them in flight at once: on PostgreSQL through a pool of their own that lets every
    // request wait for a connection as long as the row lock makes it (the app's pool gives up after 5 s).
    const pool = t.url ? new pg.Pool({ connectionString: t.url, max: 40, connectionTimeoutMillis: 120_000 }) : undefined;
    const q: Queryable = pool
      ? { query: (sql, params) => pool.query(sql, params as unknown[]) as never, exec: async (sql) => void (await pool.query(sql)) }
      : t.db;
    const results = await Promise.allSettled(
      Array.from({ length: concurrent }, (_, i) => consumeCredits(q, { customerId, userId: null, amount: 1, description: `c${i}` })),
    ).finally(() => pool?.end());
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect([...new Set(failed)]).toEqual([]);
    expect(await eventsOf(customerId, 'credits.low')).toBe(1);
    expect(await eventsOf(customerId, 'credits.depleted')).toBe(1);
  }, 120_000);

  it('credits.expiring once per grant, 7 days before it expires', async () => {
    const customerId = await newCustomer(t.db);
    const soon = await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 5, description: 'soon', expiresAt: new Date(Date.now() + 3 * 86_400_000) });
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 5, description: 'later', expiresAt: new Date(Date.now() + 30 * 86_400_000) });
    await queueExpiringAlerts(t.db);
    await queueExpiringAlerts(t.db);
    const { rows } = await t.db.query<{ data: { grantId: number; remaining: number } }>(
      `SELECT data FROM outbox_events WHERE customer_id = $1 AND type = 'credits.expiring'`,
      [customerId],
    );
    expect(rows.map((r) => r.data)).toEqual([expect.objectContaining({ grantId: soon.id, remaining: 5 })]);
  });
});

describe('creating an endpoint without WEBHOOK_ALLOW_PRIVATE', () => {
  it.each([
    ['http://hooks.example.com/x', /https/],
    ['https://127.0.0.1/x', /127\.0\.0\.1, which is not a public address/],
    ['https://10.0.0.7/x', /10\.0\.0\.7, which is not a public address/],
    ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254, which is not a public address/],
    ['https://[::1]/x', /::1, which is not a public address/],
    ['https://[::ffff:127.0.0.1]/x', /not a public address/],
    ['https://localhost/x', /not a public address/],
  ])('refuses %s with a 400 and writes nothing', async (url, message) => {
    delete process.env.WEBHOOK_ALLOW_PRIVATE;
    try {
      const before = await count(`SELECT count(*)::int AS n FROM webhooks`);
      await expect(createWebhook(t.db, actor, undefined, { url, events: ['credits.low'] }, SECRETS)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(message) });
      expect(await count(`SELECT count(*)::int AS n FROM webhooks`)).toBe(before);
    } finally {
      process.env.WEBHOOK_ALLOW_PRIVATE = 'true';
    }
  });
});

// Last in the file: the rotation re-seals every endpoint of this database under another secret.
describe('signing secrets at rest', () => {
  const storedSecret = async (q: Queryable, id: number) => (await q.query<{ secret: string }>(`SELECT secret FROM webhooks WHERE id = $1`, [id])).rows[0]!.secret;

  it('are stored sealed, never as the whsec_ secret; a NEXTAUTH_SECRET rotation keeps them working and re-seals them', async () => {
    const customerId = await newCustomer(t.db);
    const webhook = await hook(customerId, ['credit_transaction.created']);
    const stored = await storedSecret(t.db, webhook.id);
    expect(stored).toMatch(/^v1\.[0-9a-f]{12}\./);
    expect(stored).not.toContain(receiver.secret!.slice('whsec_'.length));
    // The database itself refuses a plaintext secret.
    await expect(t.db.query(`UPDATE webhooks SET secret = $2 WHERE id = $1`, [webhook.id, receiver.secret])).rejects.toThrow(/webhooks_secret_sealed/);

    // Rotated: the new secret first, the old one as NEXTAUTH_SECRET_PREVIOUS still opens the box.
    const rotated = ['rotated-session-secret', ...SECRETS];
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 1, description: 'during the rotation' });
    await deliverDue(t.db, rotated);
    expect((await receiver.waitFor(1))[0]!.verified).toMatchObject({ data: { description: 'during the rotation' } });
    expect((await sealWebhookSecrets(t.db, rotated)).sealed).toBeGreaterThanOrEqual(1);
    expect(await storedSecret(t.db, webhook.id)).not.toBe(stored);
    expect(await sealWebhookSecrets(t.db, rotated)).toEqual({ sealed: 0, unreadable: 0 });
    // Re-sealed: the new secret alone opens it, and the receiver still verifies with the same whsec_.
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 1, description: 'after the rotation' });
    await deliverDue(t.db, [rotated[0]!]);
    const got = await receiver.waitFor(2);
    expect(got[1]!.verifyError).toBeUndefined();
    expect(got[1]!.verified).toMatchObject({ data: { description: 'after the rotation' } });

    // NEXTAUTH_SECRET changed without the previous one: the start goes on, the secret is counted as
    // unreadable and left as it is, and the delivery fails saying why (it is retried, not lost).
    const resealedBox = await storedSecret(t.db, webhook.id);
    const lost = await sealWebhookSecrets(t.db, ['an-unrelated-secret']);
    expect(lost.sealed).toBe(0);
    expect(lost.unreadable).toBeGreaterThanOrEqual(1);
    expect(await storedSecret(t.db, webhook.id)).toBe(resealedBox);
    await addCredits(t.db, { customerId, userId: null, type: 'admin_grant', amount: 1, description: 'key lost' });
    await deliverDue(t.db, ['an-unrelated-secret']);
    const { rows } = await t.db.query<{ status: string; last_error: string }>(`SELECT status, last_error FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT 1`, [webhook.id]);
    expect(rows[0]).toMatchObject({ status: 'pending', last_error: expect.stringMatching(/NEXTAUTH_SECRET_PREVIOUS/) });
    expect(receiver.received).toHaveLength(2);
  });

  it('a plaintext secret stored before migration 073 is sealed at start and still signs', async () => {
    const old = await createTestDb({ migrateTo: 72 });
    try {
      const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
      const { rows } = await old.db.query<{ id: number }>(
        `INSERT INTO webhooks (url, events, secret) VALUES ($1, '{credit_transaction.created}', $2) RETURNING id`,
        [receiver.url, secret],
      );
      await migrate(old.db);
      expect(await storedSecret(old.db, rows[0]!.id)).toBe(secret);
      expect(await sealWebhookSecrets(old.db, SECRETS)).toEqual({ sealed: 1, unreadable: 0 });
      expect(await storedSecret(old.db, rows[0]!.id)).toMatch(/^v1\./);
      receiver.secret = secret;
      const customerId = await newCustomer(old.db);
      await addCredits(old.db, { customerId, userId: null, type: 'admin_grant', amount: 3, description: 'legacy' });
      await deliverDue(old.db, SECRETS);
      const [got] = await receiver.waitFor(1);
      expect(got!.verifyError).toBeUndefined();
      expect(got!.verified).toMatchObject({ type: 'credit_transaction.created', data: { customerId, amount: 3 } });
    } finally {
      await old.drop();
    }
  }, 120_000);
});
