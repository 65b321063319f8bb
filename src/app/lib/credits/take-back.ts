import 'server-only';
import type { Queryable } from '../db';
import { RETURNING, toTransaction, type CreditTransaction, type TransactionRow } from './ledger';

export interface TakeBack {
  customerId: number;
  grantId: number;
  /** At most this many credits (a positive whole number). */
  upTo: number;
  userId: number | null;
  description: string;
  paymentId: string | null;
}

/**
 * Takes back up to `upTo` credits from grant `grantId`'s unspent remainder, and from no other grant:
 * one `void` row linked to the grant (a partial void, migration 040), so the balance never goes
 * below zero and credits already spent stay spent. Returns how many were taken (0, and no row, when
 * nothing remains). Call it inside a transaction: it takes the customer's lock first, and books the
 * customer's due expiries so an expired remainder is not taken twice.
 */
export async function takeBackFromGrant(q: Queryable, t: TakeBack): Promise<{ taken: number; transaction: CreditTransaction | null }> {
  if (!Number.isSafeInteger(t.upTo) || t.upTo <= 0) throw new RangeError(`take-back must be a positive integer, got ${t.upTo}`);
  await q.query('SELECT credit_book_expiries($1)', [t.customerId]);
  const { rows } = await q.query<{ remaining: number }>('SELECT remaining FROM credit_grants WHERE id = $1 AND customer_id = $2', [
    t.grantId,
    t.customerId,
  ]);
  if (!rows[0]) throw new RangeError(`grant ${t.grantId} is not a grant of customer ${t.customerId}`);
  const taken = Math.min(t.upTo, rows[0].remaining);
  if (taken === 0) return { taken: 0, transaction: null };
  const inserted = await q.query<TransactionRow>(
    `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id, grant_id)
     VALUES ($1, $2, 'void', $3, $4, $5, $6) RETURNING ${RETURNING}`,
    [t.customerId, t.userId, -taken, t.description, t.paymentId, t.grantId],
  );
  return { taken, transaction: toTransaction(inserted.rows[0]!) };
}
