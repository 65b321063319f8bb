import 'server-only';
import { recordAudit } from '../audit';
import type { Actor } from '../auth/caller';
import { resealed, seal, unseal } from '../auth/keys';
import { config } from '../config';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { conflict, invalid, notFound } from '../errors';
import { WEBHOOK_TEST_EVENT } from '@/app/shared/webhooks';
import { emitEvent } from './events';
import { post, type AttemptResult } from './http';
import type { CreateWebhookInput, DeliveryListQuery, WebhookListQuery } from './schemas';
import { newSecret, sign } from './signing';
import { hostOf, resolvePublic } from './ssrf';

export { emitEvent, type EmittedEvent } from './events';

export interface WebhookDto {
  id: number;
  url: string;
  events: string[];
  customerId: number | null;
  customerName: string | null;
  enabled: boolean;
  disabledAt: string | null;
  failingSince: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface DeliveryDto {
  id: number;
  webhookId: number;
  eventId: number;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

interface WebhookRow {
  id: number;
  url: string;
  events: string[];
  customer_id: number | null;
  customer_name: string | null;
  enabled: boolean;
  disabled_at: Date | null;
  failing_since: Date | null;
  created_by: string | null;
  created_at: Date;
}

interface DeliveryRow {
  id: number;
  webhook_id: number;
  event_id: number;
  event_type: string;
  status: DeliveryDto['status'];
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  created_at: Date;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toWebhook = (r: WebhookRow): WebhookDto => ({
  id: r.id,
  url: r.url,
  events: r.events,
  customerId: r.customer_id,
  customerName: r.customer_name,
  enabled: r.enabled,
  disabledAt: iso(r.disabled_at),
  failingSince: iso(r.failing_since),
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

const toDelivery = (r: DeliveryRow): DeliveryDto => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  lastAttemptAt: iso(r.last_attempt_at),
  nextAttemptAt: iso(r.next_attempt_at),
  createdAt: r.created_at.toISOString(),
});

const WEBHOOK_SELECT = `SELECT w.id, w.url, w.events, w.customer_id, c.name AS customer_name, w.enabled, w.disabled_at,
       w.failing_since, u.username AS created_by, w.created_at
  FROM webhooks w LEFT JOIN customers c ON c.id = w.customer_id LEFT JOIN users u ON u.id = w.created_by`;

const DELIVERY_SELECT = `SELECT d.id, d.webhook_id, d.event_id, e.type AS event_type, d.status, d.attempts, d.last_status_code,
       d.last_error, d.last_attempt_at, d.next_attempt_at, d.created_at
  FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id`;

/** https, no credentials, and every address the host resolves to public (unless WEBHOOK_ALLOW_PRIVATE). */
async function assertAllowedUrl(raw: string): Promise<void> {
  if (config.webhooks.allowPrivate) return;
  const url = new URL(raw);
  if (url.protocol !== 'https:') throw invalid('URL must be an https:// URL', { url: 'URL must be an https:// URL' });
  try {
    await resolvePublic(hostOf(url));
  } catch (err) {
    const message = (err as { code?: string }).code === 'EBLOCKED' ? (err as Error).message : `${hostOf(url)} could not be resolved`;
    throw invalid(`URL not allowed: ${message}`, { url: message });
  }
}

/**
 * A new endpoint with a new secret; the secret is in this answer and never again. It is stored
 * sealed under the current NEXTAUTH_SECRET (`secrets[0]`), like the TOTP secrets: signing needs
 * the key itself, so it can't be kept as a hash.
 */
export async function createWebhook(
  db: Db,
  actor: Actor,
  customerId: number | undefined,
  input: CreateWebhookInput,
  secrets: string[],
): Promise<{ webhook: WebhookDto; secret: string }> {
  await assertAllowedUrl(input.url);
  const secret = newSecret();
  const id = await db.transaction(async (tx) => {
    if (customerId !== undefined) {
      const { rows } = await tx.query(`SELECT 1 FROM customers WHERE id = $1`, [customerId]);
      if (!rows[0]) throw notFound('Customer', `No customer with ID ${customerId}`);
    }
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO webhooks (customer_id, url, events, secret, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [customerId ?? null, input.url, input.events, seal(secret, secrets[0]!, 'webhook-secret'), actor.id],
    );
    const webhookId = rows[0]!.id;
    await recordAudit(tx, {
      action: 'webhook.created',
      actor,
      customerId: customerId ?? null,
      target: { type: 'webhook', id: webhookId },
      after: { url: input.url, events: input.events },
    });
    return webhookId;
  });
  return { webhook: await getWebhook(db, id, customerId), secret };
}

/** `tenant` undefined: every endpoint (platform scope); a number: only that customer's. */
export async function listWebhooks(db: Queryable, tenant: number | undefined, q: WebhookListQuery): Promise<Page<WebhookDto>> {
  const where = new Conditions().maybe('w.customer_id = ?', tenant);
  return listPage(db, q, {
    where,
    countFrom: 'FROM webhooks w',
    exactCount: true,
    select: (limit, offset) => `${WEBHOOK_SELECT} ${where.sql} ORDER BY w.id DESC LIMIT ${limit} OFFSET ${offset}`,
    map: toWebhook,
  });
}

/**
 * One endpoint, within the caller's reach: a tenant-scoped caller finds only its customer's (a
 * platform endpoint or another customer's is "not found", revealing nothing).
 */
export async function getWebhook(db: Queryable, id: number, tenant: number | undefined): Promise<WebhookDto> {
  const { rows } = await db.query<WebhookRow>(`${WEBHOOK_SELECT} WHERE w.id = $1 AND ($2::int IS NULL OR w.customer_id = $2)`, [id, tenant ?? null]);
  if (!rows[0]) throw notFound('Webhook', `No webhook with ID ${id}`);
  return toWebhook(rows[0]);
}

export async function deleteWebhook(db: Db, actor: Actor, id: number, tenant: number | undefined): Promise<WebhookDto> {
  const webhook = await getWebhook(db, id, tenant);
  await db.transaction(async (tx) => {
    const { rowCount } = await tx.query(`DELETE FROM webhooks WHERE id = $1 AND ($2::int IS NULL OR customer_id = $2)`, [id, tenant ?? null]);
    if (rowCount === 0) throw notFound('Webhook', `No webhook with ID ${id}`);
    await recordAudit(tx, {
      action: 'webhook.deleted',
      actor,
      customerId: webhook.customerId,
      target: { type: 'webhook', id },
      before: { url: webhook.url, events: webhook.events },
    });
  });
  return webhook;
}

/**
 * Turns a disabled endpoint back on (its owner fixed it): it counts as failing from scratch, and
 * the deliveries still pending when it was disabled are attempted at once (one whose retry window
 * has passed gets that one last attempt). Events raised while it was off were not queued for it.
 * An enabled endpoint is left as it is.
 */
export async function enableWebhook(db: Db, actor: Actor, id: number, tenant: number | undefined): Promise<WebhookDto> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ customer_id: number | null; disabled_at: Date | null }>(
      `SELECT customer_id, disabled_at FROM webhooks WHERE id = $1 AND ($2::int IS NULL OR customer_id = $2) FOR UPDATE`,
      [id, tenant ?? null],
    );
    const w = rows[0];
    if (!w) throw notFound('Webhook', `No webhook with ID ${id}`);
    if (!w.disabled_at) return;
    await tx.query(`UPDATE webhooks SET enabled = true, disabled_at = NULL, failing_since = NULL WHERE id = $1`, [id]);
    await tx.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $1 AND status = 'pending'`, [id]);
    await recordAudit(tx, {
      action: 'webhook.enabled',
      actor,
      customerId: w.customer_id,
      target: { type: 'webhook', id },
      before: { disabledAt: w.disabled_at.toISOString() },
    });
  });
  return getWebhook(db, id, tenant);
}

export async function listDeliveries(db: Queryable, webhookId: number, tenant: number | undefined, q: DeliveryListQuery): Promise<Page<DeliveryDto>> {
  await getWebhook(db, webhookId, tenant);
  const where = new Conditions().add('d.webhook_id = ?', webhookId).maybe('d.status = ?', q.status);
  return listPage(db, q, {
    where,
    countFrom: 'FROM webhook_deliveries d',
    select: (limit, offset) => `${DELIVERY_SELECT} ${where.sql} ORDER BY d.id DESC LIMIT ${limit} OFFSET ${offset}`,
    map: toDelivery,
  });
}

async function getDelivery(db: Queryable, webhookId: number, deliveryId: number): Promise<DeliveryDto> {
  const { rows } = await db.query<DeliveryRow>(`${DELIVERY_SELECT} WHERE d.id = $1 AND d.webhook_id = $2`, [deliveryId, webhookId]);
  if (!rows[0]) throw notFound('Delivery', `No delivery with ID ${deliveryId} for webhook ${webhookId}`);
  return toDelivery(rows[0]);
}

function assertEnabled(webhook: WebhookDto): void {
  if (!webhook.enabled) throw conflict('Webhook is disabled', `Webhook ${webhook.id} was disabled after failing for too long; enable it again first`);
}

/** Tries a delivery again now (whatever its status), and answers with how that attempt went. */
export async function retryDelivery(db: Db, webhookId: number, deliveryId: number, tenant: number | undefined, secrets: string[]): Promise<DeliveryDto> {
  assertEnabled(await getWebhook(db, webhookId, tenant));
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now()
      WHERE id = $1 AND webhook_id = $2 AND (locked_until IS NULL OR locked_until < now())`,
    [deliveryId, webhookId],
  );
  if (rowCount === 0) {
    await getDelivery(db, webhookId, deliveryId);
    throw conflict('Delivery in progress', `Delivery ${deliveryId} is being attempted right now`);
  }
  await deliverNow(db, deliveryId, secrets);
  return getDelivery(db, webhookId, deliveryId);
}

/** Sends a `webhook.test` event to this endpoint alone, now, and answers with the attempt's result. */
export async function sendTestEvent(db: Db, webhookId: number, tenant: number | undefined, secrets: string[]): Promise<DeliveryDto> {
  const webhook = await getWebhook(db, webhookId, tenant);
  assertEnabled(webhook);
  const deliveryId = await db.transaction(async (tx) => {
    const { rows: [event] } = await tx.query<{ id: number }>(
      `INSERT INTO outbox_events (type, customer_id, data) VALUES ($1, $2, $3::jsonb) RETURNING id`,
      [WEBHOOK_TEST_EVENT, webhook.customerId, JSON.stringify({ webhookId, message: 'A test event from roblox-tool' })],
    );
    const { rows } = await tx.query<{ id: number }>(`INSERT INTO webhook_deliveries (webhook_id, event_id) VALUES ($1, $2) RETURNING id`, [webhookId, event!.id]);
    return rows[0]!.id;
  });
  await deliverNow(db, deliveryId, secrets);
  return getDelivery(db, webhookId, deliveryId);
}

// --- delivery -------------------------------------------------------------------------------------

interface Claimed {
  id: number;
  webhook_id: number;
  event_id: number;
  attempts: number;
  url: string;
  secret: string;
  type: string;
  data: unknown;
  event_created_at: Date;
}

/**
 * Takes due deliveries (or the ones named) for one attempt each: the attempt is counted and a
 * lease set, so another dispatcher skips them, and a crashed attempt's lease runs out and the
 * delivery is tried again.
 */
async function claim(db: Queryable, opts: { ids?: number[]; limit: number }): Promise<Claimed[]> {
  const leaseSeconds = config.webhooks.timeoutMs / 1000 + 30;
  const { rows } = await db.query<Claimed>(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND w.enabled AND (d.locked_until IS NULL OR d.locked_until < now())
          AND ${opts.ids ? 'd.id = ANY ($3::bigint[])' : 'd.next_attempt_at <= now()'}
        ORDER BY d.next_attempt_at, d.id
        LIMIT $1
          FOR UPDATE OF d SKIP LOCKED
     ), claimed AS (
       UPDATE webhook_deliveries d SET attempts = d.attempts + 1, locked_until = now() + make_interval(secs => $2)
         FROM due WHERE d.id = due.id
       RETURNING d.id, d.webhook_id, d.event_id, d.attempts
     )
     SELECT c.id, c.webhook_id, c.event_id, c.attempts, w.url, w.secret, e.type, e.data, e.created_at AS event_created_at
       FROM claimed c JOIN webhooks w ON w.id = c.webhook_id JOIN outbox_events e ON e.id = c.event_id`,
    opts.ids ? [opts.limit, leaseSeconds, opts.ids] : [opts.limit, leaseSeconds],
  );
  return rows;
}

/** The wait after the n-th failed attempt: doubling from WEBHOOK_RETRY_BASE_SECONDS, capped, plus up to 10 % jitter. */
export function retryDelaySeconds(failedAttempts: number, base = config.webhooks.retryBaseSeconds, max = config.webhooks.retryMaxSeconds): number {
  const delay = Math.min(base * 2 ** Math.min(failedAttempts - 1, 30), max);
  return delay * (1 + Math.random() * 0.1);
}

/** The body and headers of one attempt, as Standard Webhooks defines them. */
export function signedMessage(d: Pick<Claimed, 'event_id' | 'secret' | 'type' | 'data' | 'event_created_at'>, now = new Date()) {
  const id = `evt_${d.event_id}`;
  const body = JSON.stringify({ type: d.type, timestamp: d.event_created_at.toISOString(), data: d.data });
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'roblox-tool-webhooks/1',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(d.secret, id, timestamp, body),
    },
  };
}

async function record(db: Db, d: Claimed, result: AttemptResult): Promise<void> {
  const { retryWindowSeconds, disableAfterSeconds } = config.webhooks;
  await db.transaction(async (tx) => {
    if (result.ok) {
      await tx.query(
        `UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL, locked_until = NULL,
                last_status_code = $2, last_error = NULL, last_attempt_at = now()
          WHERE id = $1`,
        [d.id, result.status],
      );
      await tx.query(`UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [d.webhook_id]);
      return;
    }
    // Retries go on until the window after the event has passed; the last one falls at its end.
    await tx.query(
      `UPDATE webhook_deliveries
          SET status = CASE WHEN now() >= created_at + make_interval(secs => $5) THEN 'failed' ELSE 'pending' END,
              next_attempt_at = CASE WHEN now() >= created_at + make_interval(secs => $5) THEN NULL
                                     ELSE LEAST(now() + make_interval(secs => $4), created_at + make_interval(secs => $5)) END,
              locked_until = NULL, last_status_code = $2, last_error = $3, last_attempt_at = now()
        WHERE id = $1`,
      [d.id, result.status, result.error?.slice(0, 500) ?? null, retryDelaySeconds(d.attempts), retryWindowSeconds],
    );
    const { rows } = await tx.query<{ customer_id: number | null; url: string; failing_since: Date; disable: boolean }>(
      `UPDATE webhooks SET failing_since = COALESCE(failing_since, now()) WHERE id = $1 AND enabled
       RETURNING customer_id, url, failing_since, failing_since <= now() - make_interval(secs => $2) AS disable`,
      [d.webhook_id, disableAfterSeconds],
    );
    const w = rows[0];
    if (!w?.disable) return;
    await tx.query(`UPDATE webhooks SET enabled = false, disabled_at = now() WHERE id = $1`, [d.webhook_id]);
    await recordAudit(tx, {
      action: 'webhook.disabled',
      actor: null,
      customerId: w.customer_id,
      target: { type: 'webhook', id: d.webhook_id },
      after: { failingSince: w.failing_since.toISOString(), lastError: result.error },
    });
    await emitEvent(tx, {
      type: 'webhook.disabled',
      customerId: w.customer_id,
      data: { webhookId: d.webhook_id, url: w.url, failingSince: w.failing_since.toISOString(), lastError: result.error },
    });
  });
}

/**
 * The whsec_ secret of a stored one. A secret stored before migration 073 is still plaintext
 * until the start-up sealing (sealWebhookSecrets) reaches it.
 */
const openSecret = (stored: string, secrets: string[]) => (stored.startsWith('whsec_') ? stored : unseal(stored, secrets, 'webhook-secret').plaintext);

/**
 * At start: seals the plaintext secrets migration 070 stored, and re-seals under the current
 * NEXTAUTH_SECRET those a previous one sealed (during a rotation). A secret sealed under a key this
 * instance doesn't have (NEXTAUTH_SECRET changed without NEXTAUTH_SECRET_PREVIOUS) is left alone and
 * counted: the start goes on, and that endpoint's deliveries fail (saying why) until the old secret
 * is given back or the endpoint is made again.
 */
export async function sealWebhookSecrets(db: Queryable, secrets: string[]): Promise<{ sealed: number; unreadable: number }> {
  const { rows } = await db.query<{ id: number; secret: string }>('SELECT id, secret FROM webhooks');
  const out = { sealed: 0, unreadable: 0 };
  for (const r of rows) {
    let box: string;
    try {
      box = r.secret.startsWith('whsec_') ? seal(r.secret, secrets[0]!, 'webhook-secret') : resealed(r.secret, secrets, 'webhook-secret');
    } catch {
      out.unreadable++;
      continue;
    }
    if (box === r.secret) continue;
    // Guarded on the old value: an endpoint deleted meanwhile stays deleted.
    const { rowCount } = await db.query('UPDATE webhooks SET secret = $2 WHERE id = $1 AND secret = $3', [r.id, box, r.secret]);
    out.sealed += rowCount;
  }
  return out;
}

async function attempt(db: Db, d: Claimed, secrets: string[]): Promise<AttemptResult> {
  let result: AttemptResult;
  try {
    const { body, headers } = signedMessage({ ...d, secret: openSecret(d.secret, secrets) });
    result = await post(d.url, headers, body, { timeoutMs: config.webhooks.timeoutMs, allowPrivate: config.webhooks.allowPrivate });
  } catch (err) {
    result = { ok: false, status: null, error: (err as Error).message };
  }
  await record(db, d, result);
  return result;
}

async function deliverNow(db: Db, deliveryId: number, secrets: string[]): Promise<void> {
  for (const d of await claim(db, { ids: [deliveryId], limit: 1 })) await attempt(db, d, secrets);
}

const BATCH = 25;

/** One pass of the delivery job: every due delivery, BATCH at a time in parallel. Returns how many were attempted. */
export async function deliverDue(db: Db, secrets: string[], budgetMs = 30_000): Promise<number> {
  const started = Date.now();
  let attempted = 0;
  for (;;) {
    const batch = await claim(db, { limit: BATCH });
    await Promise.all(batch.map((d) => attempt(db, d, secrets)));
    attempted += batch.length;
    if (batch.length < BATCH || Date.now() - started > budgetMs) return attempted;
  }
}
