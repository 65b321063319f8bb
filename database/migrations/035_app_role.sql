-- The run-time role: the app connects as a login role that is a member of roblox_tool_app (NOLOGIN),
-- not as the tables' owner, so the database's guards bind the app itself: it can't disable a
-- trigger, change the schema, truncate a table or rewrite the ledger. Migrations run as the owner
-- (MIGRATION_DATABASE_URL). docs/SECURITY.md, "Production database roles", has the set-up.

-- Roles belong to the whole server, so another database may have made it already (concurrently, too).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'roblox_tool_app') THEN
    BEGIN
      CREATE ROLE roblox_tool_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END $$;

-- Balances move only through the ledger, so the account rows can't be wiped wholesale either.
CREATE FUNCTION forbid_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% cannot be truncated', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER customer_credits_no_truncate BEFORE TRUNCATE ON customer_credits
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_truncate();

-- The functions that maintain the accounts, the grants and their allocations, and the counters
-- run as their owner: the app may INSERT a ledger row (or call credit_book_expiries, which locks the
-- account), and the trigger (not the app) moves the balance and the grants' remainders, which the
-- app itself may not UPDATE. The guards (credit_grants_guard, customer_credits_guard, the
-- append-only triggers) only raise, so they stay the invoker's.
ALTER FUNCTION credit_transactions_apply() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION credit_transactions_reclose() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION credit_book_expiries(integer) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION customers_open_credit_account() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION customers_open_counters() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION users_count() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION searches_count() SECURITY DEFINER SET search_path = public, pg_temp;
-- The migration's own backfill disables triggers: never the app's to call.
REVOKE EXECUTE ON FUNCTION credit_ledger_backfill() FROM PUBLIC;

-- No DDL: only the owner creates objects here (PostgreSQL 15's default; older clusters granted it to everyone).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO roblox_tool_app;

-- Reading and writing rows, never TRUNCATE, REFERENCES or TRIGGER; then, table by table, less.
-- tests/integration/app-role.test.ts holds the full list: a table without a decision there fails it.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO roblox_tool_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO roblox_tool_app;

-- Moved only by the owner-run functions above.
REVOKE INSERT, UPDATE, DELETE ON customer_credits, customer_counters, credit_grants, credit_allocations FROM roblox_tool_app;
-- Views and the migration's own bookkeeping: read only.
REVOKE INSERT, UPDATE, DELETE ON customer_stats, customer_credit_totals, credit_ledger_backfills FROM roblox_tool_app;
-- The runner's own table exists wherever migrations ran (not in a database built from schema.sql).
DO $$
BEGIN
  IF to_regclass('schema_migrations') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM roblox_tool_app;
  END IF;
END $$;
-- Append-only: the ledger and the audit log (their triggers refuse UPDATE/DELETE even to the owner).
REVOKE UPDATE, DELETE ON credit_transactions, audit_events FROM roblox_tool_app;
-- Written once (the session secret, the look-up store's namespace); idempotency keys are claimed,
-- then completed, and kept.
REVOKE UPDATE, DELETE ON app_settings FROM roblox_tool_app;
REVOKE DELETE ON idempotency_keys, customers, users, searches, user_monthly_spend, roblox_rate_buckets FROM roblox_tool_app;
REVOKE USAGE, SELECT ON SEQUENCE credit_transactions_id_seq FROM roblox_tool_app;

-- Tables the owner creates later get the same row privileges; a migration that adds an
-- append-only table revokes what it must (and says so in the test's list).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO roblox_tool_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO roblox_tool_app;
