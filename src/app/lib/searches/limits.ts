import 'server-only';
import type { Queryable } from '../db';
import { AppError } from '../errors';

/**
 * Per-user monthly spending limits. What a user's look-ups took in a calendar month (UTC) is a
 * counter row moved in the same transaction as the debit or refund. Taking from it is one
 * conditional upsert: concurrent look-ups of one user queue on the row, and each sees what the
 * previous one left, so together they can't pass the limit.
 */

const THIS_MONTH = `date_trunc('month', now() AT TIME ZONE 'UTC')::date`;

export interface MonthlySpend {
  /** null: no limit. */
  limit: number | null;
  spent: number;
  /** null: no limit. */
  remaining: number | null;
  /** When the month (UTC) ends and the spending starts again from 0. */
  resetsAt: string;
}

export function nextMonthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

export async function monthlySpend(q: Queryable, userId: number): Promise<MonthlySpend> {
  const { rows } = await q.query<{ limit: number | null; spent: number }>(
    `SELECT u.monthly_credit_limit AS limit, COALESCE(s.credits, 0) AS spent
       FROM users u LEFT JOIN user_monthly_spend s ON s.user_id = u.id AND s.month = ${THIS_MONTH}
      WHERE u.id = $1`,
    [userId],
  );
  const r = rows[0] ?? { limit: null, spent: 0 };
  return {
    limit: r.limit,
    spent: Number(r.spent),
    remaining: r.limit === null ? null : Math.max(0, r.limit - Number(r.spent)),
    resetsAt: nextMonthStart().toISOString(),
  };
}

export class MonthlyLimitError extends AppError {
  constructor(readonly spend: MonthlySpend, readonly required: number) {
    super(
      'monthly_limit_reached',
      'Monthly limit reached',
      `This look-up costs ${required} credit${required === 1 ? '' : 's'} and your monthly limit is ${spend.limit}: ` +
        `${spend.spent} spent this month, ${spend.remaining} left. The limit starts again on ${spend.resetsAt.slice(0, 10)} (UTC); ` +
        'ask your administrator to raise it. No credits were charged.',
    );
  }
}

/** Gives a refund back to the month the look-up was charged in. */
export async function returnToMonthlyLimit(tx: Queryable, userId: number, chargedAt: Date, credits: number): Promise<void> {
  if (credits <= 0) return;
  await tx.query(
    `UPDATE user_monthly_spend SET credits = GREATEST(credits - $3, 0)
      WHERE user_id = $1 AND month = date_trunc('month', $2::timestamptz AT TIME ZONE 'UTC')::date`,
    [userId, chargedAt, credits],
  );
}
