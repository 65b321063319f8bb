import 'server-only';
import type { Breakdown } from '@/app/shared/credits';
import type { Queryable } from '../db';
import { notFound } from '../errors';
import { expiringSoon, type ExpiringSoon } from './grants';

export interface CreditSummary {
  customerId: number;
  balance: number;
  /**
   * Where the balance comes from, under the names customer_stats and the lists use:
   * balance = purchased − used − expired − voided − deducted; purchased = paid + promotional;
   * used is net of refunded.
   */
  breakdown: Breakdown;
  /** Closing balance of each day with activity in the last `days` days, oldest first. */
  history: Array<{ day: string; balance: number }>;
  /** What of the balance expires in the next 30 days. */
  expiringSoon: ExpiringSoon;
}

export interface BalanceAt {
  customerId: number;
  at: string;
  balance: number;
  breakdown: Breakdown;
}

type Totals = [paid: number, promotional: number, used: number, refunded: number, expired: number, voided: number, deducted: number];

function breakdownOf([paid, promotional, used, refunded, expired, voided, deducted]: Totals): Breakdown {
  return { purchased: paid + promotional, paid, promotional, used, refunded, expired, voided, deducted };
}

/** The maintained account, never a sum over the ledger. */
async function currentBreakdown(db: Queryable, customerId: number): Promise<{ balance: number; breakdown: Breakdown }> {
  const { rows } = await db.query<{ balance: number; totals: Totals }>(
    `SELECT balance, ARRAY[total_paid, total_promotional, total_used, total_refunded, total_expired, total_voided, total_deducted] AS totals
       FROM customer_credits WHERE customer_id = $1`,
    [customerId],
  );
  if (!rows[0]) throw notFound('Customer', `No customer with ID ${customerId}`);
  return { balance: rows[0].balance, breakdown: breakdownOf(rows[0].totals.map(Number) as Totals) };
}

/** The customer detail page's numbers: the account, one indexed pass over recent rows, the expiring grants. */
export async function creditSummary(db: Queryable, customerId: number, days = 90): Promise<CreditSummary> {
  const { balance, breakdown } = await currentBreakdown(db, customerId);
  const [history, soon] = await Promise.all([
    db.query<{ day: Date; balance: number }>(
      `SELECT DISTINCT ON (date_trunc('day', created_at)) date_trunc('day', created_at) AS day, balance_after AS balance
         FROM credit_transactions
        WHERE customer_id = $1 AND created_at >= now() - make_interval(days => $2)
        ORDER BY date_trunc('day', created_at), id DESC`,
      [customerId, days],
    ),
    expiringSoon(db, customerId),
  ]);
  return {
    customerId,
    balance,
    breakdown,
    history: history.rows.map((r) => ({ day: r.day.toISOString().slice(0, 10), balance: r.balance })),
    expiringSoon: soon,
  };
}

/**
 * The balance and breakdown as they were at `at`: the customer's newest ledger row at or before it
 * carries both (balance_after, totals_after), found by one read of its (customer_id, created_at)
 * index. Before the first row: all zero.
 */
export async function balanceAt(db: Queryable, customerId: number, at: Date): Promise<BalanceAt> {
  const { rows } = await db.query<{ balance: number | null; totals: Totals | null }>(
    `SELECT t.balance_after AS balance, t.totals_after AS totals
       FROM customer_credits cc
       LEFT JOIN LATERAL (SELECT balance_after, totals_after FROM credit_transactions
                           WHERE customer_id = cc.customer_id AND created_at <= $2
                           ORDER BY created_at DESC, id DESC LIMIT 1) t ON true
      WHERE cc.customer_id = $1`,
    [customerId, at],
  );
  if (!rows[0]) throw notFound('Customer', `No customer with ID ${customerId}`);
  const totals = (rows[0].totals?.map(Number) ?? [0, 0, 0, 0, 0, 0, 0]) as Totals;
  return { customerId, at: at.toISOString(), balance: rows[0].balance ?? 0, breakdown: breakdownOf(totals) };
}
