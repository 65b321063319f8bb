import 'server-only';
import type { AuditAction, AuditTargetType } from '@/app/shared/audit';
import type { Actor, ClientInfo } from '../auth/caller';
import type { Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import type { AuditFilter } from './schemas';

/**
 * The audit log: one append-only row per security-relevant or admin action (the database refuses
 * UPDATE, DELETE and TRUNCATE). Domains call `recordAudit` with the transaction that makes the
 * change, so an event exists exactly when its change committed.
 */
export interface AuditEvent {
  action: AuditAction;
  /** Who acted; null for the system itself (start-up) or an anonymous sign-in attempt. */
  actor: Actor | null;
  customerId?: number | null;
  target?: { type: AuditTargetType; id: number } | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** Where the request came from; defaults to the actor's. */
  client?: ClientInfo | null;
}

// Values the log must never hold, whatever a caller passes in `before`/`after`.
const SECRET_KEY = /pass(word)?|hash|secret|token|otp|recovery|code/i;

function assertNoSecrets(value: Record<string, unknown> | null | undefined, where: string): void {
  for (const key of Object.keys(value ?? {})) {
    if (SECRET_KEY.test(key)) throw new Error(`audit ${where}.${key}: secrets never enter the audit log`);
  }
}

const COLUMNS = 'action, actor_id, actor_username, customer_id, target_type, target_id, before, after, address, user_agent, api_key_id';

function values(e: AuditEvent): unknown[] {
  assertNoSecrets(e.before, 'before');
  assertNoSecrets(e.after, 'after');
  const client = e.client ?? e.actor?.client ?? null;
  return [
    e.action,
    e.actor?.id ?? null,
    e.actor?.username ?? null,
    e.customerId ?? null,
    e.target?.type ?? null,
    e.target?.id ?? null,
    e.before ? JSON.stringify(e.before) : null,
    e.after ? JSON.stringify(e.after) : null,
    client?.address ?? null,
    client?.userAgent ?? null,
    e.actor?.apiKey?.id ?? null,
  ];
}

export async function recordAudit(q: Queryable, e: AuditEvent): Promise<void> {
  await q.query(`INSERT INTO audit_events (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, values(e));
}

/**
 * The event about a ledger row that the same statement writes: an `INSERT … SELECT` from the CTE
 * named `row` (the ledger's columns), which supplies the customer and target id, and whose balances are
 * merged into `before` and `after` as `balance`. The change and its event are then one statement,
 * atomic without a transaction of its own. Placeholders start at `$first`.
 */
export function auditOfLedgerRow(row: string, e: Omit<AuditEvent, 'customerId' | 'target'>, first: number): { sql: string; params: unknown[] } {
  const [action, actorId, actorName, , , , before, after, address, userAgent, apiKeyId] = values(e);
  const p = (i: number) => `$${first + i}`;
  const merged = (i: number, balance: string) => `COALESCE(${p(i)}::jsonb, '{}'::jsonb) || jsonb_build_object('balance', ${row}.${balance})`;
  return {
    sql: `INSERT INTO audit_events (${COLUMNS})
      SELECT ${p(0)}, ${p(1)}::integer, ${p(2)}, ${row}.customer_id, 'credit_transaction', ${row}.id, ${merged(3, 'balance_before')}, ${merged(4, 'balance_after')}, ${p(5)}, ${p(6)}, ${p(7)}::integer FROM ${row}`,
    params: [action, actorId, actorName, before, after, address, userAgent, apiKeyId],
  };
}

export interface AuditEventDto {
  id: number;
  action: string;
  actorId: number | null;
  actorUsername: string | null;
  /** The API key the actor acted with (null: signed in, or no actor). */
  actorApiKey: { id: number; prefix: string | null; name: string | null } | null;
  customerId: number | null;
  customerName: string | null;
  targetType: string | null;
  targetId: number | null;
  before: unknown;
  after: unknown;
  address: string | null;
  userAgent: string | null;
  createdAt: string;
}

interface AuditRow {
  id: number;
  action: string;
  actor_id: number | null;
  actor_username: string | null;
  api_key_id: number | null;
  api_key_prefix: string | null;
  api_key_name: string | null;
  customer_id: number | null;
  customer_name: string | null;
  target_type: string | null;
  target_id: number | null;
  before: unknown;
  after: unknown;
  address: string | null;
  user_agent: string | null;
  created_at: Date;
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

const toDto = (r: AuditRow): AuditEventDto => ({
  id: Number(r.id),
  action: r.action,
  actorId: r.actor_id,
  actorUsername: r.actor_username,
  actorApiKey: r.api_key_id === null ? null : { id: r.api_key_id, prefix: r.api_key_prefix, name: r.api_key_name },
  customerId: r.customer_id,
  customerName: r.customer_name,
  targetType: r.target_type,
  targetId: r.target_id === null ? null : Number(r.target_id),
  before: json(r.before),
  after: json(r.after),
  address: r.address,
  userAgent: r.user_agent,
  createdAt: r.created_at.toISOString(),
});

const AUDIT_SQL = `SELECT a.id, a.action, a.actor_id, a.actor_username, a.api_key_id, k.prefix AS api_key_prefix, k.name AS api_key_name,
       a.customer_id, c.name AS customer_name, a.target_type, a.target_id, a.before, a.after, a.address, a.user_agent, a.created_at
  FROM audit_events a LEFT JOIN customers c ON c.id = a.customer_id LEFT JOIN api_keys k ON k.id = a.api_key_id`;

function auditConditions(customerId: number | undefined, f: AuditFilter): Conditions {
  return (
    new Conditions()
      .maybe('a.customer_id = ?', customerId ?? f.customerId)
      .maybe('a.action = ?', f.action)
      .maybe('a.actor_id = ?', f.actorId)
      .maybe('a.created_at >= ?', f.from)
      // Times leave the API at millisecond precision: a `to` copied from an event still includes it.
      .maybe(`a.created_at < ?::timestamptz + interval '1 millisecond'`, f.to)
  );
}

/**
 * The log, newest first. `customerId` pins a tenant-scoped caller to their customer (undefined:
 * every customer, optionally filtered). Each filter walks its (column, id) index and stops after a
 * page; the total is capped like the ledger's (listPage), so cost doesn't grow with the log.
 */
export function listAudit(db: Queryable, customerId: number | undefined, f: AuditFilter): Promise<Page<AuditEventDto>> {
  const where = auditConditions(customerId, f);
  const dir = f.order === 'asc' ? 'ASC' : 'DESC';
  const byTime = f.from !== undefined || f.to !== undefined;
  return listPage(db, f, {
    where,
    countFrom: 'FROM audit_events a',
    select: (limit, offset) =>
      `${AUDIT_SQL} ${where.sql} ORDER BY ${byTime ? `a.created_at ${dir}, ` : ''}a.id ${dir} LIMIT ${limit} OFFSET ${offset}`,
    map: toDto,
  });
}

/** Every matching event, newest first, in id-keyed batches (the CSV export). */
export async function* allAudit(db: Queryable, customerId: number | undefined, f: AuditFilter, batchSize = 1000): AsyncGenerator<AuditEventDto> {
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const where = auditConditions(customerId, f).add('a.id < ?', before);
    const { rows } = await db.query<AuditRow>(`${AUDIT_SQL} ${where.sql} ORDER BY a.id DESC LIMIT ${where.param(batchSize)}`, where.params);
    for (const row of rows) yield toDto(row);
    if (rows.length < batchSize) return;
    before = Number(rows[rows.length - 1]!.id);
  }
}
