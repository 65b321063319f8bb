import type { Queryable } from '@/app/lib/db/types';

/**
 * The ledger's invariants as queries (docs/BACKUP.md, "Verify a restore", lists the same): each
 * returns the rows that break one, so every one must come back empty. Checked after every
 * integration test on both databases (tests/support/invariants-setup.ts), after the bank test under
 * faults, and on restored backups.
 */
export const LEDGER_INVARIANTS: Record<string, string> = {
  'balance = Σ amount = newest balance_after': `
    SELECT cc.customer_id, cc.balance, s.total, last.balance_after
      FROM customer_credits cc
      CROSS JOIN LATERAL (SELECT COALESCE(sum(t.amount), 0) AS total
                            FROM credit_transactions t WHERE t.customer_id = cc.customer_id) s
      LEFT JOIN LATERAL (SELECT t.balance_after FROM credit_transactions t
                          WHERE t.customer_id = cc.customer_id ORDER BY t.id DESC LIMIT 1) last ON true
     WHERE cc.balance <> s.total OR cc.balance <> COALESCE(last.balance_after, 0)`,
  'gap-free chain': `
    SELECT id, customer_id, balance_before, previous_after
      FROM (SELECT id, customer_id, balance_before,
                   lag(balance_after, 1, 0::bigint) OVER (PARTITION BY customer_id ORDER BY id) AS previous_after
              FROM credit_transactions) chain
     WHERE balance_before <> previous_after`,
  'balance_after = balance_before + amount': `
    SELECT id FROM credit_transactions WHERE balance_after <> balance_before + amount OR balance_after < 0`,
  'balance = purchased − used − expired − voided − deducted; purchased = paid + promotional': `
    SELECT customer_id FROM customer_credits
     WHERE balance <> total_purchased - total_used - total_expired - total_voided - total_deducted
        OR total_purchased <> total_paid + total_promotional OR balance < 0`,
  'balance = Σ remaining of the grants': `
    SELECT cc.customer_id, cc.balance, g.remaining
      FROM customer_credits cc
      CROSS JOIN LATERAL (SELECT COALESCE(sum(remaining), 0) AS remaining FROM credit_grants g WHERE g.customer_id = cc.customer_id) g
     WHERE cc.balance <> g.remaining`,
  "a grant's remaining = its amount + Σ its allocations; a closed grant has none left": `
    SELECT g.id, g.amount, g.remaining, a.total, g.closed
      FROM credit_grants g
      CROSS JOIN LATERAL (SELECT COALESCE(sum(amount), 0) AS total FROM credit_allocations a WHERE a.grant_id = g.id) a
     WHERE g.remaining <> g.amount + a.total OR (g.closed IS NOT NULL AND g.remaining <> 0)`,
  'every grant row has its grant, of the same customer, amount and terms': `
    SELECT t.id FROM credit_transactions t
      LEFT JOIN credit_grants g ON g.id = t.id
     WHERE (t.category IS NOT NULL) <> (g.id IS NOT NULL)
        OR (g.id IS NOT NULL AND (g.customer_id, g.amount, g.category, g.priority) IS DISTINCT FROM (t.customer_id, t.amount, t.category, t.priority))
        OR (g.id IS NOT NULL AND g.expires_at IS DISTINCT FROM t.expires_at)`,
  "every other row since the last backfill is allocated in full, to its own customer's grants": `
    SELECT t.id, t.amount, a.total
      FROM credit_transactions t
      CROSS JOIN LATERAL (SELECT COALESCE(sum(a.amount), 0) AS total, bool_and(g.customer_id = t.customer_id) AS own
                            FROM credit_allocations a JOIN credit_grants g ON g.id = a.grant_id
                           WHERE a.transaction_id = t.id) a
     WHERE t.category IS NULL
       AND t.id > COALESCE((SELECT max(last_transaction_id) FROM credit_ledger_backfills), 0)
       AND (a.total <> t.amount OR NOT a.own)`,
  'what a debit says was refunded = what its refunds gave back': `
    SELECT d.id FROM credit_transactions d
      CROSS JOIN LATERAL (SELECT COALESCE(sum(refunded), 0) AS refunded FROM credit_allocations a WHERE a.transaction_id = d.id) a
      CROSS JOIN LATERAL (SELECT COALESCE(sum(amount), 0) AS given FROM credit_allocations r WHERE r.refund_of = d.id) r
     WHERE d.type = 'usage' AND a.refunded <> r.given`,
  'no debit drew on a grant after its expiry': `
    SELECT t.id, a.grant_id FROM credit_allocations a
      JOIN credit_transactions t ON t.id = a.transaction_id
      JOIN credit_grants g ON g.id = a.grant_id
     WHERE a.amount < 0 AND t.type NOT IN ('expiry', 'void') AND g.expires_at <= t.created_at`,
  "the newest row's running totals are the account's": `
    SELECT cc.customer_id FROM customer_credits cc
      JOIN LATERAL (SELECT t.totals_after FROM credit_transactions t
                     WHERE t.customer_id = cc.customer_id ORDER BY t.id DESC LIMIT 1) last ON true
     WHERE last.totals_after IS DISTINCT FROM ARRAY[cc.total_paid, cc.total_promotional, cc.total_used, cc.total_refunded,
                                                   cc.total_expired, cc.total_voided, cc.total_deducted]`,
  'the hash chain: every row hashes the previous row and its own fields': `
    SELECT id FROM (SELECT t.id, t.hash, credit_row_hash(lag(t.hash) OVER (PARTITION BY t.customer_id ORDER BY t.id), t) AS expected
                      FROM credit_transactions t) c
     WHERE c.hash IS DISTINCT FROM c.expected`,
  // The Overview's counters (migration 055): each equals a direct aggregation of the ledger.
  "a customer's day of credit_daily_usage = the movements of its ledger rows that UTC day": `
    WITH rows AS (
      SELECT t.customer_id, (t.created_at AT TIME ZONE 'UTC')::date AS day,
             CASE WHEN t.category = 'paid' THEN t.amount ELSE 0 END AS paid,
             CASE WHEN t.category = 'promotional' THEN t.amount ELSE 0 END AS promotional,
             CASE WHEN t.type = 'usage' THEN -t.amount ELSE 0 END AS used,
             CASE WHEN t.type = 'refund' THEN t.amount ELSE 0 END AS refunded,
             CASE WHEN t.type = 'expiry' THEN -t.amount ELSE 0 END AS expired,
             CASE WHEN t.type = 'void' THEN -t.amount ELSE 0 END AS voided,
             CASE WHEN t.type = 'deduction' OR (t.type = 'adjustment' AND t.amount < 0) THEN -t.amount ELSE 0 END AS deducted,
             CASE WHEN t.category = 'paid' THEN t.amount ELSE 0 END AS net_paid,
             CASE WHEN t.category = 'promotional' THEN t.amount ELSE 0 END AS net_promotional
        FROM credit_transactions t
      UNION ALL
      -- what each row drew from (or gave back to) grants of each category; spent before allocations: on the grant's day
      SELECT a.customer_id, (COALESCE(t.created_at, g.created_at) AT TIME ZONE 'UTC')::date, 0, 0, 0, 0, 0, 0, 0,
             CASE WHEN g.category = 'paid' THEN a.amount ELSE 0 END, CASE WHEN g.category = 'promotional' THEN a.amount ELSE 0 END
        FROM credit_allocations a JOIN credit_grants g ON g.id = a.grant_id LEFT JOIN credit_transactions t ON t.id = a.transaction_id
    ), expected AS (
      SELECT customer_id, day, sum(paid) AS paid, sum(promotional) AS promotional, sum(used) AS used, sum(refunded) AS refunded,
             sum(expired) AS expired, sum(voided) AS voided, sum(deducted) AS deducted,
             sum(net_paid) AS net_paid, sum(net_promotional) AS net_promotional
        FROM rows GROUP BY customer_id, day
    )
    SELECT COALESCE(u.customer_id, e.customer_id) AS customer_id, COALESCE(u.day, e.day) AS day
      FROM credit_daily_usage u FULL JOIN expected e ON e.customer_id = u.customer_id AND e.day = u.day
     WHERE (u.paid, u.promotional, u.used, u.refunded, u.expired, u.voided, u.deducted, u.net_paid, u.net_promotional)
           IS DISTINCT FROM (e.paid, e.promotional, e.used, e.refunded, e.expired, e.voided, e.deducted, e.net_paid, e.net_promotional)`,
  "Σ net_paid and Σ net_promotional of a customer's days = Σ remaining of its paid and promotional grants": `
    SELECT cc.customer_id, u.net_paid, u.net_promotional, g.paid, g.promotional
      FROM customer_credits cc
      CROSS JOIN LATERAL (SELECT COALESCE(sum(net_paid), 0) AS net_paid, COALESCE(sum(net_promotional), 0) AS net_promotional
                            FROM credit_daily_usage u WHERE u.customer_id = cc.customer_id) u
      CROSS JOIN LATERAL (SELECT COALESCE(sum(remaining) FILTER (WHERE category = 'paid'), 0) AS paid,
                                 COALESCE(sum(remaining) FILTER (WHERE category = 'promotional'), 0) AS promotional
                            FROM credit_grants g WHERE g.customer_id = cc.customer_id) g
     WHERE (u.net_paid, u.net_promotional) <> (g.paid, g.promotional)`,
  "credit_customer_usage = the month's and the month before's net usage, and the 14-day burn, of the customer's newest ledger day": `
    WITH newest AS (
      SELECT customer_id, max((created_at AT TIME ZONE 'UTC')::date) AS as_of FROM credit_transactions GROUP BY customer_id
    ), expected AS (
      SELECT n.customer_id, n.as_of, date_trunc('month', n.as_of::timestamp)::date AS month, m.month_used, m.previous_month_used, b.burn, cc.balance
        FROM newest n
        JOIN customer_credits cc ON cc.customer_id = n.customer_id
        CROSS JOIN LATERAL (
          SELECT COALESCE(-sum(t.amount) FILTER (WHERE t.created_at AT TIME ZONE 'UTC' >= date_trunc('month', n.as_of::timestamp)), 0) AS month_used,
                 COALESCE(-sum(t.amount) FILTER (WHERE t.created_at AT TIME ZONE 'UTC' < date_trunc('month', n.as_of::timestamp)
                                                   AND t.created_at AT TIME ZONE 'UTC' >= date_trunc('month', n.as_of::timestamp) - interval '1 month'), 0) AS previous_month_used
            FROM credit_transactions t WHERE t.customer_id = n.customer_id AND t.type IN ('usage', 'refund')) m
        CROSS JOIN LATERAL (
          SELECT COALESCE(sum(GREATEST(used, 0)), 0)::bigint AS burn
            FROM (SELECT -sum(t.amount) AS used FROM credit_transactions t
                   WHERE t.customer_id = n.customer_id AND t.type IN ('usage', 'refund')
                     AND (t.created_at AT TIME ZONE 'UTC')::date > n.as_of - 14
                   GROUP BY (t.created_at AT TIME ZONE 'UTC')::date) d) b
    )
    SELECT COALESCE(s.customer_id, e.customer_id) AS customer_id, s.as_of, s.month_used, s.previous_month_used, s.burn_14d, s.runs_out,
           e.as_of AS expected_as_of, e.month_used AS expected_month_used, e.previous_month_used AS expected_previous_month_used,
           e.burn AS expected_burn, e.balance
      FROM credit_customer_usage s FULL JOIN expected e ON e.customer_id = s.customer_id
     WHERE (s.as_of, s.month, s.month_used, s.previous_month_used, s.burn_14d, s.runs_out)
           IS DISTINCT FROM (e.as_of, e.month, e.month_used, e.previous_month_used, e.burn,
                             CASE WHEN e.burn > 0 THEN e.as_of + LEAST(e.balance * 14 / e.burn, 100000)::integer END)`,
  'a day of credit_platform_daily = Σ of its customers\' days': `
    SELECT p.day FROM credit_platform_daily p
      CROSS JOIN LATERAL (SELECT COALESCE(sum(paid), 0) AS paid, COALESCE(sum(promotional), 0) AS promotional, COALESCE(sum(used), 0) AS used,
                                 COALESCE(sum(refunded), 0) AS refunded, COALESCE(sum(expired), 0) AS expired, COALESCE(sum(voided), 0) AS voided,
                                 COALESCE(sum(deducted), 0) AS deducted, COALESCE(sum(net_paid), 0) AS net_paid,
                                 COALESCE(sum(net_promotional), 0) AS net_promotional, count(*)::int AS customers
                            FROM credit_daily_usage u WHERE u.day = p.day) u
     WHERE (p.paid, p.promotional, p.used, p.refunded, p.expired, p.voided, p.deducted, p.net_paid, p.net_promotional, p.customers)
           IS DISTINCT FROM (u.paid, u.promotional, u.used, u.refunded, u.expired, u.voided, u.deducted, u.net_paid, u.net_promotional, u.customers)`,
  'every customer has a credit account and counters': `
    SELECT c.id FROM customers c
     WHERE NOT EXISTS (SELECT 1 FROM customer_credits cc WHERE cc.customer_id = c.id)
        OR NOT EXISTS (SELECT 1 FROM customer_counters k WHERE k.customer_id = c.id)`,
  'counters match the rows they count': `
    SELECT k.customer_id FROM customer_counters k
     WHERE k.user_count <> (SELECT count(*) FROM users u WHERE u.customer_id = k.customer_id)
        OR k.active_user_count <> (SELECT count(*) FROM users u WHERE u.customer_id = k.customer_id AND u.active)
        OR k.search_count <> (SELECT count(*) FROM searches s WHERE s.customer_id = k.customer_id)`,
};

/** Every invariant that is broken, with (up to 5 of) its offending rows; empty when the ledger is sound. */
export async function brokenInvariants(q: Queryable): Promise<Record<string, unknown[]>> {
  const broken: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(LEDGER_INVARIANTS)) {
    const { rows } = await q.query(`SELECT * FROM (${sql}) offending LIMIT 5`);
    if (rows.length) broken[name] = rows;
  }
  return broken;
}

/** Throws, naming each broken invariant and its rows, unless the ledger is sound. */
export async function assertLedgerInvariants(q: Queryable, where = 'ledger'): Promise<void> {
  const broken = await brokenInvariants(q);
  if (Object.keys(broken).length) throw new Error(`${where}: ledger invariants broken: ${JSON.stringify(broken, null, 1)}`);
}
