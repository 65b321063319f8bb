import 'server-only';
import { actorName, type Actor } from '../auth/caller';
import type { Db } from '../db';
import { AppError, badRequest, conflict, notFound } from '../errors';
import { consumeCredits, InsufficientCreditsError, RETURNING, toTransaction, type CreditTransaction, type TransactionRow } from './ledger';
import { auditCreditChange } from './audit-event';
import type { DeductCreditsInput } from './schemas';

/**
 * Taking credits back. A void closes a grant's unspent remainder (a mistaken grant); a deduction
 * takes credits away from the balance, spending like a look-up. Both are new ledger rows: nothing is
 * edited, and the guide's "admin credit additions" query (`payment_id LIKE 'MANUAL_ADMIN_%'`) still
 * lists additions only.
 */

/** Voids the unspent remainder of grant `grantId` (a `void` row linked to it). `customerId`: the caller's tenant, if pinned. */
export async function voidGrant(db: Db, admin: Actor, grantId: number, customerId: number | undefined, reason: string): Promise<CreditTransaction> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ customer_id: number; type: string; is_grant: boolean }>(
      `SELECT t.customer_id, t.type, EXISTS (SELECT 1 FROM credit_grants g WHERE g.id = t.id) AS is_grant
         FROM credit_transactions t WHERE t.id = $1 AND ($2::int IS NULL OR t.customer_id = $2)`,
      [grantId, customerId ?? null],
    );
    const row = rows[0];
    if (!row) throw notFound('Transaction', `No transaction with ID ${grantId}`);
    if (!row.is_grant) throw badRequest('Only grants can be voided', `Transaction ${grantId} is a ${row.type} row, not a credit grant`);
    // Takes the customer's lock, and books its due expiries so an expired grant answers as such.
    await tx.query('SELECT credit_book_expiries($1)', [row.customer_id]);
    const grant = (
      await tx.query<{ remaining: number; closed: string | null }>('SELECT remaining, closed FROM credit_grants WHERE id = $1', [grantId])
    ).rows[0]!;
    if (grant.closed === 'voided') throw conflict('Already voided', `Grant ${grantId} was already voided`);
    if (grant.closed === 'expired') throw conflict('Grant expired', `Grant ${grantId} has expired; nothing remains to void`);
    if (grant.remaining === 0) throw conflict('Nothing left to void', `Grant ${grantId} has been spent in full`);
    const voided = await tx.query<TransactionRow>(
      `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id, grant_id)
       VALUES ($1, $2, 'void', $3, $4, $5, $6) RETURNING ${RETURNING}`,
      [
        row.customer_id,
        admin.id,
        -grant.remaining,
        `[ADMIN] Void of grant #${grantId}: ${reason} (Voided by: ${actorName(admin)})`.slice(0, 1000),
        `ADMIN_VOID_${admin.id}_${Date.now()}`,
        grantId,
      ],
    );
    const t = toTransaction(voided.rows[0]!);
    await auditCreditChange(tx, admin, 'credits.voided', t);
    return t;
  });
}

/** An admin deduction: `ADMIN_DEDUCT_{userId}_{timestamp}`, spending the grants in order; 409 when the balance is lower. */
export async function adminDeductCredits(db: Db, admin: Actor, input: DeductCreditsInput): Promise<CreditTransaction> {
  try {
    return await db.transaction(async (tx) => {
      const t = await consumeCredits(tx, {
        customerId: input.customerId,
        userId: admin.id,
        type: 'deduction',
        amount: input.amount,
        description: `[ADMIN] ${input.description} (Deducted by: ${actorName(admin)})`,
        paymentId: `ADMIN_DEDUCT_${admin.id}_${Date.now()}`,
      });
      await auditCreditChange(tx, admin, 'credits.deducted', t);
      return t;
    });
  } catch (err) {
    if (!(err instanceof InsufficientCreditsError)) throw err;
    throw new AppError('conflict', 'Insufficient credits', {
      balance: err.balance,
      requested: input.amount,
      message: `Cannot deduct ${input.amount} credit${input.amount === 1 ? '' : 's'}: the balance is ${err.balance}`,
    });
  }
}
