import 'server-only';
import type { Queryable } from '../db';

export interface VerifyResult {
  ok: boolean;
  /** Ledger rows checked. */
  checked: number;
  /** The first row (lowest id) whose hash or balance chain does not follow from the row before it. */
  firstBadTransactionId: number | null;
}

/**
 * Tamper evidence: recomputes every row's hash from the previous row's stored hash and the row's
 * own fields (credit_row_hash, PostgreSQL's sha256), and checks the balance chain. A row edited
 * behind the triggers' back, or one deleted or inserted out of turn, breaks the chain at that row.
 * `customerId` undefined: every customer.
 */
export async function verifyLedger(db: Queryable, customerId?: number): Promise<VerifyResult> {
  const { rows } = await db.query<{ checked: number; first_bad: number | null }>(
    `SELECT count(*)::bigint AS checked, min(id) FILTER (WHERE NOT sound) AS first_bad
       FROM (SELECT t.id,
                    COALESCE(t.hash = credit_row_hash(lag(t.hash) OVER w, t), false)
                    AND t.balance_before = lag(t.balance_after, 1, 0::bigint) OVER w
                    AND t.balance_after = t.balance_before + t.amount AS sound
               FROM credit_transactions t
              WHERE $1::int IS NULL OR t.customer_id = $1
             WINDOW w AS (PARTITION BY t.customer_id ORDER BY t.id)) chain`,
    [customerId ?? null],
  );
  const r = rows[0]!;
  return { ok: r.first_bad === null, checked: r.checked, firstBadTransactionId: r.first_bad };
}
