import 'server-only';
import type { Queryable } from '../db';
import { AppError, isPgError, notFound } from '../errors';
import { type AdditionAudit, auditOfAddition } from './audit-event';
import type { GrantCategory, TransactionType } from './schemas';

/**
 * The credit ledger. Every balance change is one INSERT into credit_transactions; the database's
 * ledger trigger (migrations 007, 020) does the rest in the same statement under the customer's row
 * lock: moves customer_credits, stamps balance_before/balance_after, opens a grant for an addition,
 * draws a debit from the live grants in spending order (priority, soonest expiry, oldest) and
 * records the allocations, gives a refund back to the grants its look-up drew on, and chains the
 * row's hash. Nothing here reads a balance and writes it back, so concurrent changes can't lose or
 * invent credits.
 */

export interface CreditTransaction {
  id: number;
  customerId: number;
  userId: number | null;
  type: TransactionType;
  amount: number;
  balanceBefore: number;
  balanceAfter: number;
  description: string;
  paymentId: string | null;
  createdAt: string;
}

export interface TransactionRow {
  id: number;
  customer_id: number;
  user_id: number | null;
  type: TransactionType;
  amount: number;
  balance_before: number;
  balance_after: number;
  description: string;
  payment_id: string | null;
  created_at: Date;
}

export const RETURNING = 'id, customer_id, user_id, type, amount, balance_before, balance_after, description, payment_id, created_at';

export function toTransaction(r: TransactionRow): CreditTransaction {
  return {
    id: r.id,
    customerId: r.customer_id,
    userId: r.user_id,
    type: r.type,
    amount: r.amount,
    balanceBefore: r.balance_before,
    balanceAfter: r.balance_after,
    description: r.description,
    paymentId: r.payment_id,
    createdAt: r.created_at.toISOString(),
  };
}

export class InsufficientCreditsError extends AppError {
  constructor(
    readonly balance: number,
    readonly required: number,
  ) {
    super(
      'insufficient_credits',
      'Insufficient credits',
      `This costs ${required} credit${required === 1 ? '' : 's'} and the balance is ${balance}. Ask your administrator to add credits.`,
    );
  }
}

function assertWholePositive(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`credit amount must be a positive integer, got ${amount}`);
}

const customerMissing = (customerId: number) => notFound('Customer', `No customer with ID ${customerId}`);

/** A grant's terms. Omitted: a purchase is `paid`, anything else `promotional`; priority 100; no expiry. */
export interface GrantTerms {
  category?: GrantCategory;
  expiresAt?: Date | null;
  priority?: number;
}

export interface Credit extends GrantTerms {
  customerId: number;
  userId: number | null;
  type: 'purchase' | 'admin_grant' | 'refund' | 'adjustment';
  amount: number;
  description: string;
  paymentId?: string | null;
  /**
   * A refund: the look-up debit whose credits go back to the grants it drew on. Without it, the
   * newest look-up of the same user that has that many credits left to give back.
   */
  refundOf?: number;
}

/**
 * Adds credits: a grant (purchase, admin grant, positive adjustment) or a refund. With `audit`, its
 * `credits.added` event is written by the same statement (no transaction needed for the pair).
 */
export async function addCredits(q: Queryable, c: Credit, audit?: AdditionAudit): Promise<CreditTransaction> {
  assertWholePositive(c.amount);
  const grant = c.type !== 'refund';
  const insert = `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id, category, expires_at, priority, refund_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${RETURNING}`;
  const params: unknown[] = [
    c.customerId,
    c.userId,
    c.type,
    c.amount,
    c.description,
    c.paymentId ?? null,
    grant ? (c.category ?? null) : null,
    grant ? (c.expiresAt ?? null) : null,
    grant ? (c.priority ?? null) : null,
    grant ? null : (c.refundOf ?? null),
  ];
  const event = audit && auditOfAddition('booked', audit, c, params.length + 1);
  try {
    const { rows } = await q.query<TransactionRow>(
      event ? `WITH booked AS (${insert}), event AS (${event.sql}) SELECT ${RETURNING} FROM booked` : insert,
      event ? [...params, ...event.params] : params,
    );
    return toTransaction(rows[0]!);
  } catch (err) {
    if (isPgError(err, '23503')) throw customerMissing(c.customerId);
    // An addition can only break the ledger's CHECKs by refunding more than a look-up has left to give back.
    if (isPgError(err, '23514')) {
      throw new AppError('conflict', 'Refund exceeds usage', `A refund of ${c.amount} is more than customer ${c.customerId} has used`);
    }
    throw err;
  }
}

export interface Debit {
  customerId: number;
  userId: number | null;
  amount: number;
  description: string;
  /** `usage` (a look-up, the default) or `deduction` (an admin taking credits away). */
  type?: 'usage' | 'deduction';
  paymentId?: string | null;
}

/**
 * Consumes credits if, and only if, the balance covers them, drawing on the customer's live grants
 * in spending order. One statement: `credit_debit()` takes the customer's row lock, books the
 * customer's due expiries first (a debit never draws on an expired grant, whether or not the expiry
 * job has run yet), then inserts the debit only if the balance still covers it, so concurrent debits
 * can never overdraw and a refusal writes nothing but those expiries.
 */
export async function consumeCredits(q: Queryable, d: Debit): Promise<CreditTransaction> {
  assertWholePositive(d.amount);
  let rows: TransactionRow[];
  try {
    ({ rows } = await q.query<TransactionRow>(`SELECT ${RETURNING} FROM credit_debit($1, $2, $3, $4, $5, $6)`, [
      d.customerId,
      d.userId,
      d.type ?? 'usage',
      d.amount,
      d.description,
      d.paymentId ?? null,
    ]));
  } catch (err) {
    if (isPgError(err, '23503')) throw customerMissing(d.customerId);
    throw err;
  }
  if (rows[0]) return toTransaction(rows[0]);
  const balance = await getBalance(q, d.customerId);
  throw new InsufficientCreditsError(balance.balance, d.amount);
}

/** The one balance read: the maintained counters, never a sum over the ledger. */
export interface Balance {
  customerId: number;
  balance: number;
  totalPurchased: number;
  totalUsed: number;
}

export async function getBalance(q: Queryable, customerId: number): Promise<Balance> {
  const { rows } = await q.query<{ balance: number; total_purchased: number; total_used: number }>(
    'SELECT balance, total_purchased, total_used FROM customer_credits WHERE customer_id = $1',
    [customerId],
  );
  if (!rows[0]) throw customerMissing(customerId);
  return { customerId, balance: rows[0].balance, totalPurchased: rows[0].total_purchased, totalUsed: rows[0].total_used };
}


/**
 * Gives a look-up's credits back to the grants it drew them from (all of them, or `amount`). A
 * grant that has expired or been voided since takes them and closes again at once (the ledger
 * shows the refund and the repeated expiry or void).
 */
export async function refundDebit(
  q: Queryable,
  debitTransactionId: number,
  r: { userId: number | null; description: string; amount?: number },
): Promise<CreditTransaction> {
  const { rows } = await q.query<{ customer_id: number; open: number }>(
    `SELECT d.customer_id, COALESCE(sum(-a.amount - a.refunded), 0)::bigint AS open
       FROM credit_transactions d LEFT JOIN credit_allocations a ON a.transaction_id = d.id
      WHERE d.id = $1 AND d.type = 'usage' GROUP BY d.customer_id`,
    [debitTransactionId],
  );
  const debit = rows[0];
  if (!debit) throw notFound('Look-up debit', `No look-up debit with ID ${debitTransactionId}`);
  const amount = r.amount ?? debit.open;
  if (amount <= 0) throw new AppError('conflict', 'Already refunded', `Look-up debit ${debitTransactionId} has nothing left to give back`);
  return addCredits(q, { customerId: debit.customer_id, userId: r.userId, type: 'refund', amount, description: r.description, refundOf: debitTransactionId });
}
