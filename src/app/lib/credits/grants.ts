import 'server-only';
import { z } from 'zod';
import { EXPIRING_SOON_DAYS, GRANT_STATUSES, type GrantCategory, type GrantStatus } from '@/app/shared/credits';
import type { Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { notFound } from '../errors';
import { pageParams } from '../validation';
import { toTransaction, type CreditTransaction, type TransactionRow } from './ledger';

/**
 * Grants (every credit addition) and what was drawn from them. A grant's status: `voided` or
 * `expired` once a void or expiry row took its remainder (or, for `expired`, once its expiry has
 * come, before the job books it: it can't be spent any more), `spent` when nothing remains,
 * `active` otherwise.
 */

export interface Grant {
  id: number;
  customerId: number;
  category: GrantCategory;
  amount: number;
  remaining: number;
  expiresAt: string | null;
  priority: number;
  status: GrantStatus;
  description: string;
  createdAt: string;
}

interface GrantRow {
  id: number;
  customer_id: number;
  category: GrantCategory;
  amount: number;
  remaining: number;
  expires_at: Date | null;
  priority: number;
  status: GrantStatus;
  description: string;
  created_at: Date;
}

const STATUS_SQL = `CASE WHEN g.closed = 'voided' THEN 'voided'
            WHEN g.closed = 'expired' OR (g.remaining > 0 AND g.expires_at <= now()) THEN 'expired'
            WHEN g.remaining = 0 THEN 'spent' ELSE 'active' END`;

const GRANT_SQL = `SELECT g.id, g.customer_id, g.category, g.amount, g.remaining, g.expires_at, g.priority, t.description, g.created_at,
       ${STATUS_SQL} AS status
  FROM credit_grants g JOIN credit_transactions t ON t.id = g.id`;

const toGrant = (r: GrantRow): Grant => ({
  id: r.id,
  customerId: r.customer_id,
  category: r.category,
  amount: r.amount,
  remaining: r.remaining,
  expiresAt: r.expires_at?.toISOString() ?? null,
  priority: r.priority,
  status: r.status,
  description: r.description,
  createdAt: r.created_at.toISOString(),
});

export const grantListSchema = z.strictObject({
  status: z.enum(GRANT_STATUSES, { error: `Must be one of ${GRANT_STATUSES.join(', ')}` }).optional(),
  ...pageParams,
});
export type GrantListQuery = z.output<typeof grantListSchema>;

/** A customer's grants, live ones first in spending order, then the rest newest first. */
export function listGrants(db: Queryable, customerId: number, q: GrantListQuery): Promise<Page<Grant>> {
  const where = new Conditions().add('g.customer_id = ?', customerId);
  if (q.status) where.add(`${STATUS_SQL} = ?`, q.status);
  return listPage(db, q, {
    where,
    countFrom: 'FROM credit_grants g',
    exactCount: true,
    select: (limit, offset) =>
      `${GRANT_SQL} ${where.sql}
        ORDER BY (${STATUS_SQL} = 'active') DESC,
                 CASE WHEN ${STATUS_SQL} = 'active' THEN g.priority END, CASE WHEN ${STATUS_SQL} = 'active' THEN g.expires_at END,
                 CASE WHEN ${STATUS_SQL} = 'active' THEN g.id END, g.id DESC
        LIMIT ${limit} OFFSET ${offset}`,
    map: toGrant,
  });
}

export interface ExpiringSoon {
  days: number;
  credits: number;
  grants: number;
  /** The soonest of them, or null. */
  next: string | null;
}

/** What of the balance expires within `days` days. */
export async function expiringSoon(db: Queryable, customerId: number, days = EXPIRING_SOON_DAYS): Promise<ExpiringSoon> {
  const { rows } = await db.query<{ credits: number; grants: number; next: Date | null }>(
    `SELECT COALESCE(sum(remaining), 0)::bigint AS credits, count(*)::int AS grants, min(expires_at) AS next
       FROM credit_grants
      WHERE customer_id = $1 AND remaining > 0 AND closed IS NULL
        AND expires_at > now() AND expires_at <= now() + make_interval(days => $2)`,
    [customerId, days],
  );
  const r = rows[0]!;
  return { days, credits: r.credits, grants: r.grants, next: r.next?.toISOString() ?? null };
}

export interface Allocation {
  /** The row that drew (negative) or gave back (positive); null: spent before allocations were recorded. */
  transactionId: number | null;
  grantId: number;
  amount: number;
  /** On a debit's draw: how much refunds have given back. */
  refunded: number;
  type: string | null;
  createdAt: string | null;
}

export interface TransactionDetail {
  transaction: CreditTransaction & {
    category: GrantCategory | null;
    expiresAt: string | null;
    priority: number | null;
    grantId: number | null;
    refundOf: number | null;
  };
  /** A grant row: the grant, and every draw on it and return to it so far (its consumption). */
  grant?: Grant;
  /** Any other row: the grants it drew from or gave back to. */
  allocations: Array<Allocation & { grant: Pick<Grant, 'category' | 'expiresAt' | 'priority' | 'status'> }>;
}

type DetailRow = TransactionRow & {
  category: GrantCategory | null;
  expires_at: Date | null;
  priority: number | null;
  grant_id: number | null;
  refund_of: number | null;
};

/** One ledger row with its allocations (a debit, refund, expiry or void) or its consumption (a grant). */
export async function getTransaction(db: Queryable, id: number, customerId: number | undefined): Promise<TransactionDetail> {
  const where = new Conditions().add('t.id = ?', id).maybe('t.customer_id = ?', customerId);
  const { rows } = await db.query<DetailRow>(
    `SELECT t.id, t.customer_id, t.user_id, t.type, t.amount, t.balance_before, t.balance_after, t.description, t.payment_id,
            t.created_at, t.category, t.expires_at, t.priority, t.grant_id, t.refund_of
       FROM credit_transactions t ${where.sql}`,
    where.params,
  );
  const row = rows[0];
  if (!row) throw notFound('Transaction', `No transaction with ID ${id}`);
  const transaction = {
    ...toTransaction(row),
    category: row.category,
    expiresAt: row.expires_at?.toISOString() ?? null,
    priority: row.priority,
    grantId: row.grant_id,
    refundOf: row.refund_of,
  };
  type AllocationRow = {
    transaction_id: number | null;
    grant_id: number;
    amount: number;
    refunded: number;
    type: string | null;
    created_at: Date | null;
    category: GrantCategory;
    expires_at: Date | null;
    priority: number;
    status: GrantStatus;
  };
  const toAllocation = (a: AllocationRow) => ({
    transactionId: a.transaction_id,
    grantId: a.grant_id,
    amount: a.amount,
    refunded: a.refunded,
    type: a.type,
    createdAt: a.created_at?.toISOString() ?? null,
    grant: { category: a.category, expiresAt: a.expires_at?.toISOString() ?? null, priority: a.priority, status: a.status },
  });
  const allocationSql = (on: string) =>
    `SELECT a.transaction_id, a.grant_id, a.amount, a.refunded, t.type, t.created_at, g.category, g.expires_at, g.priority,
            ${STATUS_SQL} AS status
       FROM credit_allocations a
       JOIN credit_grants g ON g.id = a.grant_id
       LEFT JOIN credit_transactions t ON t.id = a.transaction_id
      WHERE ${on} = $1 AND a.customer_id = $2
      ORDER BY a.transaction_id NULLS FIRST, g.priority, g.expires_at, g.id`;
  const grants = await db.query<GrantRow>(`${GRANT_SQL} WHERE g.id = $1`, [id]);
  if (grants.rows[0]) {
    const consumption = await db.query<AllocationRow>(allocationSql('a.grant_id'), [id, row.customer_id]);
    return { transaction, grant: toGrant(grants.rows[0]), allocations: consumption.rows.map(toAllocation) };
  }
  const allocations = await db.query<AllocationRow>(allocationSql('a.transaction_id'), [id, row.customer_id]);
  return { transaction, allocations: allocations.rows.map(toAllocation) };
}
