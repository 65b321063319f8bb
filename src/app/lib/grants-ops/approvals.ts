import 'server-only';
import { recordAudit } from '../audit';
import type { Actor, Caller } from '../auth/caller';
import { bookAdminGrant, guideTransaction, type CreditTransaction } from '../credits';
import type { AddCreditsInput } from '../credits/schemas';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { conflict, forbidden, notFound } from '../errors';
import type { ApprovalStatus } from '@/app/shared/bulk';
import { config } from '../config';
import { countDailyGrant, needsApproval, releaseDailyGrant } from './controls';
import type { ApprovalListQuery } from './schemas';

/**
 * Grant approvals. A grant that needs one (controls.ts) is stored here and books nothing; a
 * different SUPER_ADMIN approves it, which books it through the same function as a direct grant,
 * as the requester's row (their id in MANUAL_ADMIN_…, their name in "(Added by: …)") with the
 * approver as the audit event's actor. Every decision is one conditional change of a pending row
 * under its row lock, so of a concurrent approve and reject exactly one wins.
 */
export interface Approval {
  id: number;
  status: ApprovalStatus;
  customerId: number | null;
  customerName: string | null;
  batchId: number | null;
  amount: number;
  description: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  transactionId: number | null;
}

interface ApprovalRow {
  id: number;
  status: ApprovalStatus;
  customer_id: number | null;
  customer_name: string | null;
  batch_id: number | null;
  amount: number;
  description: string;
  category: AddCreditsInput['category'] | null;
  grant_expires_at: Date | null;
  priority: number | null;
  requested_by: number;
  requested_by_username: string;
  requested_at: Date;
  deadline: Date;
  decided_by_username: string | null;
  decided_at: Date | null;
  reason: string | null;
  transaction_id: number | null;
  counted_day: string | null;
}

// A pending approval past its deadline is expired, whether or not the expiry job has marked it yet.
const STATUS = `CASE WHEN a.status = 'pending' AND a.deadline <= now() THEN 'expired' ELSE a.status END`;
const SELECT = `SELECT a.id, ${STATUS} AS status, a.customer_id, c.name AS customer_name, a.batch_id, a.amount, a.description,
       a.category, a.grant_expires_at, a.priority, a.requested_by, a.requested_by_username, a.requested_at, a.deadline,
       a.decided_by_username, a.decided_at, a.reason, a.transaction_id, a.counted_day::text AS counted_day
  FROM grant_approvals a LEFT JOIN customers c ON c.id = a.customer_id`;

const toApproval = (r: ApprovalRow): Approval => ({
  id: r.id,
  status: r.status,
  customerId: r.customer_id,
  customerName: r.customer_name,
  batchId: r.batch_id,
  amount: Number(r.amount),
  description: r.description,
  requestedBy: r.requested_by_username,
  requestedAt: r.requested_at.toISOString(),
  expiresAt: r.deadline.toISOString(),
  decidedBy: r.decided_by_username,
  decidedAt: r.decided_at?.toISOString() ?? null,
  reason: r.reason,
  transactionId: r.transaction_id,
});

async function readApproval(q: Queryable, id: number, lock = false): Promise<ApprovalRow | undefined> {
  const { rows } = await q.query<ApprovalRow>(`${SELECT} WHERE a.id = $1${lock ? ' FOR UPDATE OF a' : ''}`, [id]);
  return rows[0];
}

function audit(tx: Queryable, action: 'credits.approval_requested' | 'credits.approval_approved' | 'credits.approval_rejected' | 'credits.approval_expired', actor: Actor | null, r: ApprovalRow, after: Record<string, unknown> = {}) {
  return recordAudit(tx, {
    action,
    actor,
    customerId: r.customer_id,
    target: { type: 'grant_approval', id: r.id },
    after: { amount: Number(r.amount), description: r.description, requestedBy: r.requested_by_username, batchId: r.batch_id, ...after },
  });
}

/** Stores a pending approval (a single grant, or with `batchId` a whole bulk batch) and audits the request. */
export async function createApproval(
  tx: Queryable,
  requester: Actor,
  a: { customerId?: number; batchId?: number; amount: number; description: string; category?: string; expiresAt?: Date; priority?: number },
  countedDay: string | null,
): Promise<Approval> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO grant_approvals (customer_id, batch_id, amount, description, category, grant_expires_at, priority, requested_by, requested_by_username, counted_day)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [a.customerId ?? null, a.batchId ?? null, a.amount, a.description, a.category ?? null, a.expiresAt ?? null, a.priority ?? null, requester.id, requester.username, countedDay],
  );
  const row = (await readApproval(tx, rows[0]!.id))!;
  await audit(tx, 'credits.approval_requested', requester, row);
  return toApproval(row);
}

export type GrantOutcome = { transaction: CreditTransaction } | { approval: Approval };

/**
 * POST /api/admin/credits/add under the grant controls: books the grant (the guide's flow), or
 * stores it for approval; either way counted against the admin's daily limit when one is set.
 */
export async function requestGrant(db: Db, caller: Caller, input: AddCreditsInput): Promise<GrantOutcome> {
  const approval = needsApproval(caller, input.amount);
  // With no daily limit to count against, a grant is one statement (its row and audit event).
  if (!approval && config.grantControls.dailyLimit === undefined) return { transaction: await bookAdminGrant(db, caller, input) };
  return db.transaction(async (tx) => {
    const day = await countDailyGrant(tx, caller, input.amount);
    if (!approval) return { transaction: await bookAdminGrant(tx, caller, input) };
    return { approval: await createApproval(tx, caller, input, day) };
  });
}

/** The approvals, newest first; `customerId` undefined: every customer's and every batch's. */
export function listApprovals(db: Queryable, customerId: number | undefined, q: ApprovalListQuery): Promise<Page<Approval>> {
  const where = new Conditions().maybe('a.customer_id = ?', customerId ?? q.customerId);
  if (q.status === 'pending') where.add(`a.status = ? AND a.deadline > now()`, 'pending');
  else if (q.status === 'expired') where.add(`(a.status = ? OR (a.status = 'pending' AND a.deadline <= now()))`, 'expired');
  else where.maybe('a.status = ?', q.status);
  return listPage(db, q, {
    where,
    countFrom: 'FROM grant_approvals a',
    select: (limit, offset) => `${SELECT} ${where.sql} ORDER BY a.id DESC LIMIT ${limit} OFFSET ${offset}`,
    map: toApproval,
  });
}

export async function getApproval(db: Queryable, id: number): Promise<Approval> {
  const row = await readApproval(db, id);
  if (!row) throw notFound('Approval', `No approval with ID ${id}`);
  return toApproval(row);
}

/** The pending approval, locked; anything else is the reason it can't be decided. */
async function lockPending(tx: Queryable, id: number): Promise<ApprovalRow> {
  const row = await readApproval(tx, id, true);
  if (!row) throw notFound('Approval', `No approval with ID ${id}`);
  if (row.status === 'expired') throw conflict('Approval expired', `Approval ${id} was not decided within 7 days of ${row.requested_at.toISOString()}; ask for the grant again`);
  if (row.status !== 'pending') throw conflict(`Approval already ${row.status}`, `Approval ${id} was ${row.status} by ${row.decided_by_username ?? 'the system'} at ${row.decided_at?.toISOString()}`);
  return row;
}

async function decide(tx: Queryable, row: ApprovalRow, status: 'approved' | 'rejected', by: Actor, reason: string | null): Promise<void> {
  await tx.query(
    `UPDATE grant_approvals SET status = $2, decided_by = $3, decided_by_username = $4, decided_at = now(), reason = $5
      WHERE id = $1 AND status = 'pending'`,
    [row.id, status, by.id, by.username, reason],
  );
}

/**
 * Approves a pending grant (booked now, as the requester's row) or bulk batch (its job starts).
 * The requester can't approve their own request.
 */
export function approveGrant(db: Db, approver: Caller, id: number): Promise<{ approval: Approval; transaction?: ReturnType<typeof guideTransaction> }> {
  return db.transaction(async (tx) => {
    const row = await lockPending(tx, id);
    if (row.requested_by === approver.id) {
      throw forbidden('Forbidden', 'You cannot approve your own request: another SUPER_ADMIN must approve it');
    }
    await decide(tx, row, 'approved', approver, null);
    const requester: Actor = { id: row.requested_by, username: row.requested_by_username };
    let transaction: CreditTransaction | undefined;
    if (row.customer_id !== null) {
      transaction = await bookAdminGrant(
        tx,
        requester,
        {
          customerId: row.customer_id,
          amount: Number(row.amount),
          description: row.description,
          category: row.category ?? undefined,
          expiresAt: row.grant_expires_at ?? undefined,
          priority: row.priority ?? undefined,
        },
        approver,
      );
      await tx.query('UPDATE grant_approvals SET transaction_id = $2 WHERE id = $1', [row.id, transaction.id]);
    } else {
      await tx.query(`UPDATE bulk_grant_batches SET status = 'running' WHERE id = $1 AND status = 'pending_approval'`, [row.batch_id]);
    }
    await audit(tx, 'credits.approval_approved', approver, row, { transactionId: transaction?.id ?? null });
    const approval = toApproval((await readApproval(tx, id))!);
    return transaction ? { approval, transaction: guideTransaction(transaction) } : { approval };
  });
}

/** Closes an approval that will never book: its counted credits go back, a batch's rows fail. */
async function close(tx: Queryable, row: ApprovalRow, why: string): Promise<void> {
  await releaseDailyGrant(tx, row.requested_by, row.counted_day, Number(row.amount));
  if (row.batch_id === null) return;
  await tx.query(`UPDATE bulk_grant_rows SET status = 'failed', error = $2 WHERE batch_id = $1 AND status = 'pending'`, [row.batch_id, why]);
  await tx.query(`UPDATE bulk_grant_batches SET status = 'done', finished_at = now() WHERE id = $1`, [row.batch_id]);
}

/** Rejects a pending approval with a reason (the requester may withdraw their own this way). */
export function rejectGrant(db: Db, decider: Caller, id: number, reason: string): Promise<Approval> {
  return db.transaction(async (tx) => {
    const row = await lockPending(tx, id);
    await decide(tx, row, 'rejected', decider, reason);
    await close(tx, row, `Batch rejected by ${decider.username}: ${reason}`);
    await audit(tx, 'credits.approval_rejected', decider, row, { reason });
    return toApproval((await readApproval(tx, id))!);
  });
}

/** Marks approvals past their 7 days expired (the job); returns how many. */
export function expireApprovals(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `UPDATE grant_approvals SET status = 'expired', decided_at = now() WHERE status = 'pending' AND deadline <= now() RETURNING id`,
    );
    for (const { id } of rows) {
      const row = (await readApproval(tx, id))!;
      await close(tx, row, 'The batch was not approved within 7 days');
      await audit(tx, 'credits.approval_expired', null, row);
    }
    return rows.length;
  });
}
