import 'server-only';
import type { Queryable } from '../db';
import { getBalance } from './ledger';
import type { TransactionType } from './schemas';

export interface CreditSummary {
  customerId: number;
  balance: number;
  /** Lifetime sums by kind: purchased (paid), granted (admin), used, refunded, adjusted (net). */
  breakdown: { purchased: number; granted: number; used: number; refunded: number; adjusted: number };
  /** Closing balance of each day with activity in the last `days` days, oldest first. */
  history: Array<{ day: string; balance: number }>;
}

/** The customer detail page's numbers: one indexed pass over that customer's ledger rows. */
export async function creditSummary(db: Queryable, customerId: number, days = 90): Promise<CreditSummary> {
  const { balance } = await getBalance(db, customerId);
  const [sums, history] = await Promise.all([
    db.query<{ type: TransactionType; total: number }>(
      'SELECT type, sum(amount)::bigint AS total FROM credit_transactions WHERE customer_id = $1 GROUP BY type',
      [customerId],
    ),
    db.query<{ day: Date; balance: number }>(
      `SELECT DISTINCT ON (date_trunc('day', created_at)) date_trunc('day', created_at) AS day, balance_after AS balance
         FROM credit_transactions
        WHERE customer_id = $1 AND created_at >= now() - make_interval(days => $2)
        ORDER BY date_trunc('day', created_at), id DESC`,
      [customerId, days],
    ),
  ]);
  const by = Object.fromEntries(sums.rows.map((r) => [r.type, r.total])) as Partial<Record<TransactionType, number>>;
  return {
    customerId,
    balance,
    breakdown: {
      purchased: by.purchase ?? 0,
      granted: by.admin_grant ?? 0,
      used: -(by.usage ?? 0),
      refunded: by.refund ?? 0,
      adjusted: by.adjustment ?? 0,
    },
    history: history.rows.map((r) => ({ day: r.day.toISOString().slice(0, 10), balance: r.balance })),
  };
}
