-- Usage counters for the Overview (issue 13): what the ledger moved per customer per UTC day, per
-- customer this month, each customer's 14-day burn, and platform-wide per-day totals for days that
-- are over, so that every Overview figure is an indexed read of a few hundred rows at most, never a
-- pass over credit_transactions.
--
-- The per-customer counters move in the transaction of the ledger row, from an AFTER INSERT trigger
-- on credit_transactions: it runs under the customer's row lock that the ledger trigger took, so it
-- adds no lock of its own and no contention between customers. It reads the row as the ledger
-- trigger left it and writes nothing back to it, so the row, its hash and the chain are as before.
-- A platform-wide row per day moved by every ledger write would be one row every customer's
-- writes queue on; instead, platform figures sum the per-customer rows of the days still open and
-- read credit_platform_daily for the days that are over (filled by credit_platform_rollup()).
--
-- Invariants (tests/support/ledger-invariants.ts checks each after every integration test):
--   a credit_daily_usage row = the movements of the customer's ledger rows of that UTC day
--   Σ net_paid of a customer = Σ remaining of its paid grants (net_promotional likewise)
--   credit_customer_usage = its month's net usage, the month before's, and the 14-day burn of the
--     customer's newest day with a ledger row
--   a credit_platform_daily row = Σ of that day's credit_daily_usage rows

-- One row per customer and UTC day with ledger activity. `paid`/`promotional`: credits granted in
-- that category; `used`: look-ups (gross), `refunded`: credits look-ups gave back; `deducted`:
-- deductions and negative adjustments. `net_paid`/`net_promotional`: how the day moved the
-- customer's unspent paid and promotional credits (grants, less what debits, expiries and voids
-- drew from grants of that category, plus what refunds gave back). Rows predating allocations
-- (migration 020's backfill) carry what their grants spent before then on the grant's day.
CREATE TABLE credit_daily_usage (
  customer_id     integer NOT NULL,
  day             date NOT NULL,
  paid            bigint NOT NULL DEFAULT 0 CHECK (paid >= 0),
  promotional     bigint NOT NULL DEFAULT 0 CHECK (promotional >= 0),
  used            bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
  refunded        bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
  expired         bigint NOT NULL DEFAULT 0 CHECK (expired >= 0),
  voided          bigint NOT NULL DEFAULT 0 CHECK (voided >= 0),
  deducted        bigint NOT NULL DEFAULT 0 CHECK (deducted >= 0),
  net_paid        bigint NOT NULL DEFAULT 0,
  net_promotional bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, day)
-- Room on each page for the day's further updates of a row (no indexed column changes: HOT).
) WITH (fillfactor = 80);
-- The platform's open days: every customer's row of one day.
CREATE INDEX credit_daily_usage_day_idx ON credit_daily_usage (day);

-- One row per customer with ledger activity. `month`: the UTC month of its newest ledger row;
-- `month_used`: net usage (look-ups less refunds) in that month, `previous_month_used` in the one
-- before. `burn_14d`: Σ over the 14 days ending `as_of` (the newest row's day) of each day's net
-- usage, a day with more refunds than look-ups counting 0. `runs_out`: the day the balance lasts to
-- at that burn (as_of + 14 × balance ÷ burn_14d), NULL without burn. With no ledger row since,
-- the true burn can only have fallen and the balance not moved, so the day a customer's credit
-- really runs out is never before `runs_out`: the running-low list reads candidates by it and then
-- computes each one's burn as of today.
CREATE TABLE credit_customer_usage (
  customer_id         integer PRIMARY KEY,
  month               date NOT NULL,
  month_used          bigint NOT NULL,
  previous_month_used bigint NOT NULL,
  as_of               date NOT NULL,
  burn_14d            bigint NOT NULL CHECK (burn_14d >= 0),
  runs_out            date,
  CONSTRAINT credit_customer_usage_runs_out CHECK ((runs_out IS NULL) = (burn_14d = 0) AND runs_out >= as_of)
);
-- Top customers by usage this month.
CREATE INDEX credit_customer_usage_month_idx ON credit_customer_usage (month, month_used DESC, customer_id);
CREATE INDEX credit_customer_usage_runs_out_idx ON credit_customer_usage (runs_out) WHERE runs_out IS NOT NULL;

-- Platform-wide totals of each UTC day that is over, summed from credit_daily_usage once. A day
-- counts as over an hour after it ended (no ledger transaction stays open that long), so no row
-- of it can still be uncommitted when it is summed. `customers`: customers with ledger activity.
CREATE TABLE credit_platform_daily (
  day             date PRIMARY KEY,
  paid            bigint NOT NULL,
  promotional     bigint NOT NULL,
  used            bigint NOT NULL,
  refunded        bigint NOT NULL,
  expired         bigint NOT NULL,
  voided          bigint NOT NULL,
  deducted        bigint NOT NULL,
  net_paid        bigint NOT NULL,
  net_promotional bigint NOT NULL,
  customers       integer NOT NULL
);

-- Moves the customer's counters by one ledger row, in its transaction.
CREATE FUNCTION credit_usage_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  d date := (NEW.created_at AT TIME ZONE 'UTC')::date;
  m date := date_trunc('month', (NEW.created_at AT TIME ZONE 'UTC'))::date;
  np bigint;
  npr bigint;
  burn bigint;
BEGIN
  IF NEW.category IS NOT NULL THEN
    np := CASE WHEN NEW.category = 'paid' THEN NEW.amount ELSE 0 END;
    npr := NEW.amount - np;
  ELSE
    -- Which categories the row drew from or gave back to: its allocations, just written by the ledger trigger.
    SELECT COALESCE(sum(a.amount) FILTER (WHERE g.category = 'paid'), 0), COALESCE(sum(a.amount) FILTER (WHERE g.category = 'promotional'), 0)
      INTO np, npr
      FROM credit_allocations a JOIN credit_grants g ON g.id = a.grant_id
     WHERE a.transaction_id = NEW.id;
  END IF;

  INSERT INTO credit_daily_usage AS u (customer_id, day, paid, promotional, used, refunded, expired, voided, deducted, net_paid, net_promotional)
  VALUES (NEW.customer_id, d,
          CASE WHEN NEW.category = 'paid' THEN NEW.amount ELSE 0 END,
          CASE WHEN NEW.category = 'promotional' THEN NEW.amount ELSE 0 END,
          CASE WHEN NEW.type = 'usage' THEN -NEW.amount ELSE 0 END,
          CASE WHEN NEW.type = 'refund' THEN NEW.amount ELSE 0 END,
          CASE WHEN NEW.type = 'expiry' THEN -NEW.amount ELSE 0 END,
          CASE WHEN NEW.type = 'void' THEN -NEW.amount ELSE 0 END,
          CASE WHEN NEW.type = 'deduction' OR (NEW.type = 'adjustment' AND NEW.amount < 0) THEN -NEW.amount ELSE 0 END,
          np, npr)
  ON CONFLICT (customer_id, day) DO UPDATE
    SET paid = u.paid + EXCLUDED.paid, promotional = u.promotional + EXCLUDED.promotional,
        used = u.used + EXCLUDED.used, refunded = u.refunded + EXCLUDED.refunded,
        expired = u.expired + EXCLUDED.expired, voided = u.voided + EXCLUDED.voided,
        deducted = u.deducted + EXCLUDED.deducted,
        net_paid = u.net_paid + EXCLUDED.net_paid, net_promotional = u.net_promotional + EXCLUDED.net_promotional;

  SELECT COALESCE(sum(GREATEST(used - refunded, 0)), 0) INTO burn
    FROM credit_daily_usage WHERE customer_id = NEW.customer_id AND day > d - 14 AND day <= d;

  INSERT INTO credit_customer_usage AS s (customer_id, month, month_used, previous_month_used, as_of, burn_14d, runs_out)
  VALUES (NEW.customer_id, m,
          CASE WHEN NEW.type IN ('usage', 'refund') THEN -NEW.amount ELSE 0 END,
          0, d, burn,
          -- capped: a runway past 100,000 days is "not running low" either way, and stays a valid date
          CASE WHEN burn > 0 THEN d + LEAST(NEW.balance_after * 14 / burn, 100000)::integer END)
  ON CONFLICT (customer_id) DO UPDATE
    SET previous_month_used = CASE WHEN s.month = m THEN s.previous_month_used
                                   WHEN s.month = (m - interval '1 month')::date THEN s.month_used
                                   ELSE 0 END,
        month_used = CASE WHEN s.month = m THEN s.month_used ELSE 0 END + EXCLUDED.month_used,
        month = m, as_of = d, burn_14d = EXCLUDED.burn_14d, runs_out = EXCLUDED.runs_out;
  RETURN NULL;
END $$;

-- AFTER triggers of one event fire in name order: this one ("count") before
-- credit_transactions_reclose, so that a refund's own counters (and the balance its runway is
-- computed from) are written before the expiry or void row that reclose books after it.
CREATE TRIGGER credit_transactions_count AFTER INSERT ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION credit_usage_count();

-- Like grants and allocations, the counters move only through the ledger trigger.
CREATE TRIGGER credit_daily_usage_guard BEFORE INSERT OR UPDATE OR DELETE ON credit_daily_usage
  FOR EACH ROW EXECUTE FUNCTION credit_grants_guard();
CREATE TRIGGER credit_customer_usage_guard BEFORE INSERT OR UPDATE OR DELETE ON credit_customer_usage
  FOR EACH ROW EXECUTE FUNCTION credit_grants_guard();
CREATE TRIGGER credit_daily_usage_no_truncate BEFORE TRUNCATE ON credit_daily_usage
  FOR EACH STATEMENT EXECUTE FUNCTION credit_transactions_forbid_change();
CREATE TRIGGER credit_customer_usage_no_truncate BEFORE TRUNCATE ON credit_customer_usage
  FOR EACH STATEMENT EXECUTE FUNCTION credit_transactions_forbid_change();

-- Sums each day that is over and not summed yet, from the day after the newest summed one (or the
-- first day with activity) to the last day that is over; a day without activity gets a row of
-- zeros, so it is not summed again. Each day is one read of credit_daily_usage_day_idx (a
-- statement per day: one over many days would be planned as large and compiled by the JIT).
-- Concurrent callers compute the same rows; the second one's are dropped. Returns the newest
-- summed day (NULL: none yet): the days after it are read from credit_daily_usage itself.
CREATE FUNCTION credit_platform_rollup() RETURNS date
LANGUAGE plpgsql AS $$
DECLARE
  last_over date := ((now() AT TIME ZONE 'UTC') - interval '1 hour')::date - 1;
  d date := COALESCE((SELECT max(day) + 1 FROM credit_platform_daily), (SELECT min(day) FROM credit_daily_usage));
BEGIN
  WHILE d <= last_over LOOP
    INSERT INTO credit_platform_daily (day, paid, promotional, used, refunded, expired, voided, deducted, net_paid, net_promotional, customers)
    SELECT d, COALESCE(sum(paid), 0), COALESCE(sum(promotional), 0), COALESCE(sum(used), 0), COALESCE(sum(refunded), 0),
           COALESCE(sum(expired), 0), COALESCE(sum(voided), 0), COALESCE(sum(deducted), 0), COALESCE(sum(net_paid), 0),
           COALESCE(sum(net_promotional), 0), count(*)
      FROM credit_daily_usage WHERE day = d
    ON CONFLICT (day) DO NOTHING;
    d := d + 1;
  END LOOP;
  RETURN (SELECT max(day) FROM credit_platform_daily);
END $$;

-- Derives every counter from the ledger as it stands: this migration's existing rows, or a bulk
-- load made with triggers off (the benchmark's data set, after credit_ledger_backfill()). What a
-- grant spent before allocations were recorded (a NULL-transaction allocation) is counted on the
-- grant's day. Then sums the days that are over.
CREATE FUNCTION credit_usage_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE credit_daily_usage DISABLE TRIGGER USER;
  ALTER TABLE credit_customer_usage DISABLE TRIGGER USER;
  DELETE FROM credit_daily_usage;
  DELETE FROM credit_customer_usage;
  DELETE FROM credit_platform_daily;

  INSERT INTO credit_daily_usage (customer_id, day, paid, promotional, used, refunded, expired, voided, deducted, net_paid, net_promotional)
  SELECT customer_id, day, sum(paid), sum(promotional), sum(used), sum(refunded), sum(expired), sum(voided), sum(deducted),
         sum(net_paid), sum(net_promotional)
    FROM (SELECT t.customer_id, (t.created_at AT TIME ZONE 'UTC')::date AS day,
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
          SELECT a.customer_id, (COALESCE(t.created_at, g.created_at) AT TIME ZONE 'UTC')::date, 0, 0, 0, 0, 0, 0, 0,
                 CASE WHEN g.category = 'paid' THEN a.amount ELSE 0 END,
                 CASE WHEN g.category = 'promotional' THEN a.amount ELSE 0 END
            FROM credit_allocations a
            JOIN credit_grants g ON g.id = a.grant_id
            LEFT JOIN credit_transactions t ON t.id = a.transaction_id) moves
   GROUP BY customer_id, day;

  INSERT INTO credit_customer_usage (customer_id, month, month_used, previous_month_used, as_of, burn_14d, runs_out)
  SELECT l.customer_id, l.month, s.month_used, s.previous_month_used, l.as_of, s.burn,
         CASE WHEN s.burn > 0 THEN l.as_of + LEAST(cc.balance * 14 / s.burn, 100000)::integer END
    FROM (SELECT customer_id, max(day) AS as_of, date_trunc('month', max(day)::timestamp)::date AS month
            FROM credit_daily_usage GROUP BY customer_id) l
    JOIN customer_credits cc ON cc.customer_id = l.customer_id
   CROSS JOIN LATERAL (
     SELECT COALESCE(sum(u.used - u.refunded) FILTER (WHERE u.day >= l.month), 0)::bigint AS month_used,
            COALESCE(sum(u.used - u.refunded) FILTER (WHERE u.day < l.month), 0)::bigint AS previous_month_used,
            -- bigint: the runway is a whole number of days, as the trigger's integer division makes it
            COALESCE(sum(GREATEST(u.used - u.refunded, 0)) FILTER (WHERE u.day > l.as_of - 14), 0)::bigint AS burn
       FROM credit_daily_usage u
      WHERE u.customer_id = l.customer_id AND u.day >= (l.month - interval '1 month')::date) s;

  ALTER TABLE credit_daily_usage ENABLE TRIGGER USER;
  ALTER TABLE credit_customer_usage ENABLE TRIGGER USER;
  PERFORM credit_platform_rollup();
END $$;

SELECT credit_usage_rebuild();
