import 'server-only';
import type { Queryable } from '../db';
import { AppError, isPgError, notFound } from '../errors';
import type { TransactionType } from './schemas';

/**
 * The credit ledger. Every balance change is one INSERT into credit_transactions; the database's
 * ledger trigger moves customer_credits in the same statement (one atomic UPDATE … RETURNING under
 * a row lock) and stamps balance_before/balance_after. Nothing here reads a balance and writes it
 * back, so concurrent changes can't lose or invent credits.
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

export interface Credit {
  customerId: number;
  userId: number | null;
  type: Exclude<TransactionType, 'usage'>;
  amount: number;
  description: string;
  paymentId?: string | null;
}

/** Adds credits (purchase, admin grant, refund, positive adjustment). */
export async function addCredits(q: Queryable, c: Credit): Promise<CreditTransaction> {
  assertWholePositive(c.amount);
  try {
    const { rows } = await q.query<TransactionRow>(
      `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${RETURNING}`,
      [c.customerId, c.userId, c.type, c.amount, c.description, c.paymentId ?? null],
    );
    return toTransaction(rows[0]!);
  } catch (err) {
    if (isPgError(err, '23503')) throw customerMissing(c.customerId);
    // An addition can only break the account's CHECKs by refunding more than was ever used.
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
}

/**
 * Consumes credits if, and only if, the balance covers them. The row lock (FOR UPDATE) re-checks
 * the balance against the latest committed value, so concurrent debits can never overdraw.
 */
export async function consumeCredits(q: Queryable, d: Debit): Promise<CreditTransaction> {
  assertWholePositive(d.amount);
  let rows: TransactionRow[];
  try {
    ({ rows } = await q.query<TransactionRow>(
      `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description)
       SELECT customer_id, $2, 'usage', -$3::bigint, $4
         FROM customer_credits WHERE customer_id = $1 AND balance >= $3
          FOR UPDATE
       RETURNING ${RETURNING}`,
      [d.customerId, d.userId, d.amount, d.description],
    ));
  } catch (err) {
    // Belt and braces: the balance CHECK refuses an overdraft even if the filter above were bypassed.
    if (!isPgError(err, '23514', 'customer_credits_balance_check')) throw err;
    rows = [];
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

