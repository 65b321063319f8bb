import 'server-only';
import type { z } from 'zod';
import { BURN_DAYS, OVERVIEW_EXPIRING_DAYS, OVERVIEW_RANGE_DAYS, RUNNING_LOW_DAYS, type UsageDay } from '@/app/shared/overview';
import type { Queryable } from '../db';
import { notFound } from '../errors';
import type { customerUsageResponse, overviewResponse } from './schemas';

/**
 * The Overview: platform-wide figures for SUPER_ADMINs and each customer's usage per day, all from
 * the counters migration 055 maintains (credit_daily_usage, credit_customer_usage,
 * credit_platform_daily) and the grants' partial indexes; none reads credit_transactions.
 * Days are UTC days.
 */

export type Overview = z.infer<typeof overviewResponse>;
export type CustomerUsage = z.infer<typeof customerUsageResponse>;
type MonthTotals = Overview['thisMonth'];

const TODAY = `(now() AT TIME ZONE 'UTC')::date`;
const THIS_MONTH = `date_trunc('month', now() AT TIME ZONE 'UTC')::date`;
const LAST_MONTH = `(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date`;
const MOVEMENTS = ['paid', 'promotional', 'used', 'refunded', 'expired', 'voided', 'deducted', 'net_paid', 'net_promotional'] as const;

/** The number of candidates the running-low list checks (those whose stored runway ends soonest). */
const RUNNING_LOW_CANDIDATES = 500;
const LIST_LENGTH = 10;
const SOONEST_EXPIRING = 5;

/**
 * Platform totals per day from `from` on: the summed days (credit_platform_daily, through $1) and,
 * after them, the open days summed from their customers' rows (credit_daily_usage's day index; the
 * open days are the last one or two).
 */
const platformDays = (from: string) => `
  SELECT day, ${MOVEMENTS.join(', ')} FROM credit_platform_daily WHERE day >= ${from} AND day <= $1::date
  UNION ALL
  SELECT day, ${MOVEMENTS.map((m) => `sum(${m}) AS ${m}`).join(', ')}
    FROM credit_daily_usage WHERE day >= ${from} AND day > $1::date
   GROUP BY day`;

/**
 * Sums the days that are over and not summed yet (a no-op but for the first call of a day) and
 * answers the newest summed day; '-infinity' when none is (everything is still open).
 */
export async function closePlatformDays(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ through: string | null }>(`SELECT to_char(credit_platform_rollup(), 'YYYY-MM-DD') AS through`);
  return rows[0]?.through ?? '-infinity';
}

async function summedThrough(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ through: string | null }>(`SELECT to_char(max(day), 'YYYY-MM-DD') AS through FROM credit_platform_daily`);
  return rows[0]?.through ?? '-infinity';
}

/** Unspent credits by category, and this month's and last month's movements. */
export async function platformTotals(db: Queryable, closedThrough: string): Promise<Pick<Overview, 'today' | 'outstanding' | 'thisMonth' | 'lastMonth'>> {
  const month = (name: string, where: string) =>
    ['paid', 'promotional', 'refunded', 'expired']
      .map((m) => `COALESCE(sum(d.${m}) FILTER (WHERE ${where}), 0)::bigint AS ${name}_${m}`)
      .concat(`COALESCE(sum(d.used - d.refunded) FILTER (WHERE ${where}), 0)::bigint AS ${name}_used`)
      .join(', ');
  const { rows } = await db.query<Record<string, number | string>>(
    `WITH days AS (${platformDays(`'-infinity'::date`)})
     SELECT to_char(m.today, 'YYYY-MM-DD') AS today, to_char(m.this, 'YYYY-MM') AS this_month, to_char(m.last, 'YYYY-MM') AS last_month,
            COALESCE(sum(d.net_paid), 0)::bigint AS net_paid, COALESCE(sum(d.net_promotional), 0)::bigint AS net_promotional,
            ${month('this', 'd.day >= m.this')}, ${month('last', 'd.day >= m.last AND d.day < m.this')}
       FROM (SELECT ${TODAY} AS today, ${THIS_MONTH} AS this, ${LAST_MONTH} AS last) m
       LEFT JOIN days d ON true
      GROUP BY m.today, m.this, m.last`,
    [closedThrough],
  );
  const r = rows[0]!;
  const totals = (name: 'this' | 'last'): MonthTotals => {
    const n = (m: string) => Number(r[`${name}_${m}`]);
    return {
      month: String(r[`${name}_month`]),
      added: n('paid') + n('promotional'),
      paid: n('paid'),
      promotional: n('promotional'),
      used: n('used'),
      refunded: n('refunded'),
      expired: n('expired'),
    };
  };
  const paid = Number(r.net_paid);
  const promotional = Number(r.net_promotional);
  return {
    today: String(r.today),
    outstanding: { total: paid + promotional, paid, promotional },
    thisMonth: totals('this'),
    lastMonth: totals('last'),
  };
}

/** The platform's usage on each of the last `days` days, oldest first, days without activity as zeros. */
export async function platformDaily(db: Queryable, closedThrough: string, days: number): Promise<UsageDay[]> {
  const { rows } = await db.query<UsageDay>(
    `WITH days AS (${platformDays(`${TODAY} - ($2::integer - 1)`)})
     SELECT to_char(g.day, 'YYYY-MM-DD') AS day, COALESCE(d.used - d.refunded, 0)::bigint AS used,
            COALESCE(d.refunded, 0)::bigint AS refunded, COALESCE(d.paid + d.promotional, 0)::bigint AS added
       FROM generate_series((${TODAY} - ($2::integer - 1))::timestamp, ${TODAY}::timestamp, interval '1 day') AS g(day)
       LEFT JOIN days d ON d.day = g.day::date
      ORDER BY g.day`,
    [closedThrough, days],
  );
  return rows.map((r) => ({ day: r.day, used: Number(r.used), refunded: Number(r.refunded), added: Number(r.added) }));
}

/** The customers that used the most this month (net of refunds), with last month's usage beside it. */
export async function topCustomers(db: Queryable, limit = LIST_LENGTH): Promise<Overview['topCustomers']> {
  const { rows } = await db.query<{ customer_id: number; name: string; used: number; last_month_used: number; balance: number }>(
    `SELECT s.customer_id, c.name, s.month_used AS used, s.previous_month_used AS last_month_used, cc.balance
       FROM credit_customer_usage s
       JOIN customers c ON c.id = s.customer_id
       JOIN customer_credits cc ON cc.customer_id = s.customer_id
      WHERE s.month = ${THIS_MONTH} AND s.month_used > 0
      ORDER BY s.month_used DESC, s.customer_id
      LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ customerId: r.customer_id, name: r.name, used: Number(r.used), lastMonthUsed: Number(r.last_month_used), balance: Number(r.balance) }));
}

/**
 * Customers whose balance lasts fewer than RUNNING_LOW_DAYS days at their average net usage of the
 * last BURN_DAYS days, soonest first. Candidates come from the stored runway (credit_customer_usage:
 * never later than the true one), each is then measured as of today from its own last 14 days.
 */
export async function runningLow(db: Queryable, limit = LIST_LENGTH): Promise<Overview['runningLow']> {
  const { rows } = await db.query<{ customer_id: number; name: string; balance: number; burn: number }>(
    `WITH candidates AS (
       SELECT customer_id FROM credit_customer_usage
        WHERE runs_out >= ${TODAY} - ($1::integer - 1) AND runs_out < ${TODAY} + $2::integer AND as_of > ${TODAY} - $1::integer
        ORDER BY runs_out
        LIMIT $3
     ), measured AS MATERIALIZED (
       -- each candidate's balance and burn as of today, by key, once (scalar subqueries: a join
       -- would be planned as a pass over every account)
       SELECT k.customer_id,
              (SELECT cc.balance FROM customer_credits cc WHERE cc.customer_id = k.customer_id) AS balance,
              (SELECT COALESCE(sum(GREATEST(u.used - u.refunded, 0)), 0)::bigint
                 FROM credit_daily_usage u
                WHERE u.customer_id = k.customer_id AND u.day > ${TODAY} - $1::integer AND u.day <= ${TODAY}) AS burn
         FROM candidates k
     ), low AS (
       SELECT customer_id, balance, burn FROM measured
        WHERE burn > 0 AND balance * $1::integer < $2::integer * burn
        ORDER BY balance::float8 / burn, customer_id
        LIMIT $4
     )
     -- names for the few that made the list only
     SELECT l.customer_id, c.name, l.balance, l.burn
       FROM low l JOIN customers c ON c.id = l.customer_id
      ORDER BY l.balance::float8 / l.burn, l.customer_id`,
    [BURN_DAYS, RUNNING_LOW_DAYS, RUNNING_LOW_CANDIDATES, limit],
  );
  return {
    thresholdDays: RUNNING_LOW_DAYS,
    burnDays: BURN_DAYS,
    customers: rows.map((r) => {
      const perDay = Number(r.burn) / BURN_DAYS;
      return { customerId: r.customer_id, name: r.name, balance: Number(r.balance), perDay, daysLeft: Number(r.balance) / perDay };
    }),
  };
}

/** What of the platform's unspent credits expires in the next OVERVIEW_EXPIRING_DAYS days (credit_grants_due_idx). */
export async function platformExpiring(db: Queryable): Promise<Overview['expiring']> {
  const due = `live AND expires_at IS NOT NULL AND expires_at > now() AND expires_at <= now() + make_interval(days => $1)`;
  const [sums, soonest] = await Promise.all([
    db.query<{ total: number; paid: number; grants: number; customers: number }>(
      `SELECT COALESCE(sum(remaining), 0)::bigint AS total, COALESCE(sum(remaining) FILTER (WHERE category = 'paid'), 0)::bigint AS paid,
              count(*)::integer AS grants, count(DISTINCT customer_id)::integer AS customers
         FROM credit_grants WHERE ${due}`,
      [OVERVIEW_EXPIRING_DAYS],
    ),
    db.query<{ id: number; customer_id: number; name: string; remaining: number; category: 'paid' | 'promotional'; expires_at: Date }>(
      `SELECT g.id, g.customer_id, c.name, g.remaining, g.category, g.expires_at
         FROM credit_grants g JOIN customers c ON c.id = g.customer_id
        WHERE ${due.replace(/\b(live|expires_at)\b/g, 'g.$1')}
        ORDER BY g.expires_at, g.id
        LIMIT $2`,
      [OVERVIEW_EXPIRING_DAYS, SOONEST_EXPIRING],
    ),
  ]);
  const s = sums.rows[0]!;
  return {
    days: OVERVIEW_EXPIRING_DAYS,
    total: Number(s.total),
    paid: Number(s.paid),
    promotional: Number(s.total) - Number(s.paid),
    grants: s.grants,
    customers: s.customers,
    soonest: soonest.rows.map((g) => ({
      grantId: Number(g.id),
      customerId: g.customer_id,
      name: g.name,
      remaining: Number(g.remaining),
      category: g.category,
      expiresAt: g.expires_at.toISOString(),
    })),
  };
}

/** Every Overview figure (GET /api/admin/overview). */
export async function overview(db: Queryable, reads: Queryable = db): Promise<Overview> {
  const summed = await closePlatformDays(db);
  // The figures come from `reads` (the read replica when there is one). Which days are summed is
  // asked there too: a roll-up the replica has not replayed yet leaves those days open (summed from
  // their customers' rows) instead of counted nowhere.
  const closedThrough = reads === db ? summed : await summedThrough(reads);
  const longest = Math.max(...OVERVIEW_RANGE_DAYS);
  const [totals, daily, top, low, expiring] = await Promise.all([
    platformTotals(reads, closedThrough),
    platformDaily(reads, closedThrough, longest),
    topCustomers(reads),
    runningLow(reads),
    platformExpiring(reads),
  ]);
  return { ...totals, daily, topCustomers: top, runningLow: low, expiring };
}

/** One customer's usage on each of the last `days` days, its burn and how long its balance lasts at it. */
export async function customerUsage(db: Queryable, customerId: number, days = 30): Promise<CustomerUsage> {
  const [account, daily] = await Promise.all([
    db.query<{ today: string; balance: number; burn: number }>(
      `SELECT to_char(${TODAY}, 'YYYY-MM-DD') AS today, cc.balance,
              (SELECT COALESCE(sum(GREATEST(u.used - u.refunded, 0)), 0)::bigint FROM credit_daily_usage u
                WHERE u.customer_id = cc.customer_id AND u.day > ${TODAY} - $2::integer AND u.day <= ${TODAY}) AS burn
         FROM customer_credits cc WHERE cc.customer_id = $1`,
      [customerId, BURN_DAYS],
    ),
    db.query<UsageDay>(
      `SELECT to_char(g.day, 'YYYY-MM-DD') AS day, COALESCE(u.used - u.refunded, 0)::bigint AS used,
              COALESCE(u.refunded, 0)::bigint AS refunded, COALESCE(u.paid + u.promotional, 0)::bigint AS added
         FROM generate_series((${TODAY} - ($2::integer - 1))::timestamp, ${TODAY}::timestamp, interval '1 day') AS g(day)
         LEFT JOIN credit_daily_usage u ON u.customer_id = $1 AND u.day = g.day::date
        ORDER BY g.day`,
      [customerId, days],
    ),
  ]);
  const a = account.rows[0];
  if (!a) throw notFound('Customer', `No customer with ID ${customerId}`);
  const balance = Number(a.balance);
  const perDay = Number(a.burn) / BURN_DAYS;
  return {
    customerId,
    today: a.today,
    days,
    balance,
    burnDays: BURN_DAYS,
    perDay,
    daysLeft: perDay > 0 ? balance / perDay : null,
    daily: daily.rows.map((r) => ({ day: r.day, used: Number(r.used), refunded: Number(r.refunded), added: Number(r.added) })),
  };
}
