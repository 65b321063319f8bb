-- roblox-tool: the reference schema.
--
-- The full current database schema in one plain-SQL file: exactly what migrations 001-014 in
-- database/migrations/ produce (customer_stats in its 013 form, with credit_balance,
-- total_credits_purchased and total_credits_used), minus the runner's own schema_migrations table.
-- Read it to see the whole schema at once, or load it into an empty database for tooling.
--
-- It is the reference, not the way to deploy: databases are built and upgraded by the migrations
-- (npm run migrate, or node scripts/run-migration-013.js). tests/integration/schema.test.ts builds
-- one database from the migrations and one from this file and fails if their catalogs differ in any
-- table, column, constraint, index, trigger, function, view, sequence or extension, so a schema
-- change goes into a new migration AND into this file.

-- ---------------------------------------------------------------------------
-- From 001_foundation.sql
-- ---------------------------------------------------------------------------
-- Base objects every later migration relies on.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Instance-wide settings the app owns (e.g. the generated session secret of an embedded install).
CREATE TABLE app_settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- ---------------------------------------------------------------------------
-- From 002_customers.sql
-- ---------------------------------------------------------------------------
-- Tenants: the businesses that buy credits.
CREATE TABLE customers (
  id            serial PRIMARY KEY,
  name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  contact_email text CHECK (contact_email IS NULL OR length(contact_email) <= 320),
  max_users     integer NOT NULL DEFAULT 10 CHECK (max_users BETWEEN 1 AND 100000),
  logo_url      text CHECK (logo_url IS NULL OR length(logo_url) <= 2048),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER customers_set_updated_at BEFORE UPDATE ON customers
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- From 003_users.sql
-- ---------------------------------------------------------------------------
-- People who sign in. SUPER_ADMINs belong to the platform; everyone else to exactly one customer.
CREATE TABLE users (
  id            serial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{3,64}$'),
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('SUPER_ADMIN', 'CUSTOMER_ADMIN', 'USER')),
  customer_id   integer REFERENCES customers(id),
  active        boolean NOT NULL DEFAULT true,
  last_login_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_tenant_role CHECK ((role = 'SUPER_ADMIN') = (customer_id IS NULL))
);

-- Usernames are unique regardless of case: "Admin" and "admin" are one account.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE INDEX users_customer_id_idx ON users (customer_id, id);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- From 004_customer_credits.sql
-- ---------------------------------------------------------------------------
-- One credit account per customer: the running balance and lifetime totals.
-- It is a projection of credit_transactions, maintained by the ledger trigger (migration 007).
CREATE TABLE customer_credits (
  customer_id     integer PRIMARY KEY REFERENCES customers(id),
  balance         bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
  total_purchased bigint NOT NULL DEFAULT 0 CHECK (total_purchased >= 0),
  total_used      bigint NOT NULL DEFAULT 0 CHECK (total_used >= 0),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customer_credits_totals CHECK (balance = total_purchased - total_used)
);

-- Every customer has an account from the moment it exists, so a credit change never has to create one.
CREATE FUNCTION customers_open_credit_account() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_credits (customer_id) VALUES (NEW.id);
  RETURN NULL;
END $$;

CREATE TRIGGER customers_open_credit_account AFTER INSERT ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_open_credit_account();

-- ---------------------------------------------------------------------------
-- From 005_credit_transactions.sql
-- ---------------------------------------------------------------------------
-- The ledger: every credit change, signed (additions positive, usage negative), with the balance
-- before and after it, who made it and why.
CREATE TABLE credit_transactions (
  -- Assigned by the ledger trigger (migration 007) while it holds the customer's row lock, so a
  -- customer's ids follow its balance chain even when transactions start concurrently.
  id             bigint PRIMARY KEY,
  customer_id    integer NOT NULL REFERENCES customers(id),
  user_id        integer REFERENCES users(id),
  type           text NOT NULL CHECK (type IN ('purchase', 'admin_grant', 'usage', 'refund', 'adjustment')),
  amount         bigint NOT NULL,
  balance_before bigint NOT NULL CHECK (balance_before >= 0),
  balance_after  bigint NOT NULL CHECK (balance_after >= 0),
  description    text NOT NULL CHECK (length(description) BETWEEN 1 AND 1000),
  payment_id     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT credit_transactions_balance_chain CHECK (balance_after = balance_before + amount),
  CONSTRAINT credit_transactions_amount_sign CHECK (
    (type IN ('purchase', 'admin_grant', 'refund') AND amount > 0)
    OR (type = 'usage' AND amount < 0)
    OR (type = 'adjustment' AND amount <> 0)
  )
);

CREATE SEQUENCE credit_transactions_id_seq OWNED BY credit_transactions.id;

CREATE INDEX credit_transactions_customer_idx ON credit_transactions (customer_id, id);
CREATE INDEX credit_transactions_user_idx ON credit_transactions (user_id, id);

-- ---------------------------------------------------------------------------
-- From 006_credit_transactions_append_only.sql
-- ---------------------------------------------------------------------------
-- The audit trail is append-only: a mistake is corrected by a new, compensating transaction.
CREATE FUNCTION credit_transactions_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_transactions is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Record a compensating transaction (type adjustment) instead.';
END $$;

CREATE TRIGGER credit_transactions_no_update BEFORE UPDATE OR DELETE ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION credit_transactions_forbid_change();
CREATE TRIGGER credit_transactions_no_truncate BEFORE TRUNCATE ON credit_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION credit_transactions_forbid_change();

-- ---------------------------------------------------------------------------
-- From 007_credit_ledger_apply.sql
-- ---------------------------------------------------------------------------
-- Inserting a ledger row is what moves a balance. The trigger updates the customer's account with
-- one atomic UPDATE (which row-locks it, so concurrent changes to one customer queue up) and stamps
-- balance_before/balance_after from the result: the chain is gap-free by construction, and
-- balance >= 0 is enforced by customer_credits' CHECK. The id and timestamp are taken under that
-- lock too, so ordering a customer's rows by id (or time) walks its chain in order.
CREATE FUNCTION credit_transactions_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  new_balance bigint;
BEGIN
  UPDATE customer_credits
     SET balance         = balance + NEW.amount,
         total_purchased = total_purchased
                           + CASE WHEN NEW.amount > 0 AND NEW.type <> 'refund' THEN NEW.amount ELSE 0 END,
         total_used      = total_used
                           + CASE WHEN NEW.amount < 0 THEN -NEW.amount
                                  WHEN NEW.type = 'refund' THEN -NEW.amount
                                  ELSE 0 END,
         updated_at      = now()
   WHERE customer_id = NEW.customer_id
  RETURNING balance INTO new_balance;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'customer % has no credit account', NEW.customer_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.id := nextval('credit_transactions_id_seq');
  NEW.created_at := clock_timestamp();
  NEW.balance_before := new_balance - NEW.amount;
  NEW.balance_after := new_balance;
  RETURN NEW;
END $$;

CREATE TRIGGER credit_transactions_apply BEFORE INSERT ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION credit_transactions_apply();

-- Balances change only through the ledger: a direct UPDATE of customer_credits would create or
-- destroy credits without a trace. The ledger trigger's own UPDATE runs one trigger level deeper.
CREATE FUNCTION customer_credits_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'customer_credits rows cannot be deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.balance <> 0 OR NEW.total_purchased <> 0 OR NEW.total_used <> 0 THEN
      RAISE EXCEPTION 'a credit account starts at zero; add credits through credit_transactions'
        USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF pg_trigger_depth() < 2
     AND (NEW.balance, NEW.total_purchased, NEW.total_used, NEW.customer_id)
         IS DISTINCT FROM (OLD.balance, OLD.total_purchased, OLD.total_used, OLD.customer_id) THEN
    RAISE EXCEPTION 'balances change only by inserting into credit_transactions'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER customer_credits_guard BEFORE INSERT OR UPDATE OR DELETE ON customer_credits
  FOR EACH ROW EXECUTE FUNCTION customer_credits_guard();

-- ---------------------------------------------------------------------------
-- From 008_searches.sql
-- ---------------------------------------------------------------------------
-- Paid Roblox look-ups: one row per look-up, charged or not.
CREATE TABLE searches (
  id              bigserial PRIMARY KEY,
  customer_id     integer NOT NULL REFERENCES customers(id),
  user_id         integer NOT NULL REFERENCES users(id),
  query           text NOT NULL CHECK (length(query) <= 200),
  search_type     text NOT NULL DEFAULT 'keyword' CHECK (search_type IN ('keyword', 'profile')),
  status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'success', 'failed', 'refunded', 'rejected')),
  result_count    integer CHECK (result_count >= 0),
  credits_charged integer NOT NULL DEFAULT 0 CHECK (credits_charged >= 0),
  duration_ms     integer CHECK (duration_ms >= 0),
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX searches_customer_idx ON searches (customer_id, id);
CREATE INDEX searches_user_idx ON searches (user_id, id);

-- ---------------------------------------------------------------------------
-- From 009_customer_counters.sql
-- ---------------------------------------------------------------------------
-- Per-customer counters kept in the same transaction as the change they count, so lists of
-- customers never aggregate users or searches per request.
CREATE TABLE customer_counters (
  customer_id       integer PRIMARY KEY REFERENCES customers(id),
  user_count        integer NOT NULL DEFAULT 0 CHECK (user_count >= 0),
  active_user_count integer NOT NULL DEFAULT 0 CHECK (active_user_count >= 0),
  search_count      bigint NOT NULL DEFAULT 0 CHECK (search_count >= 0)
);

CREATE FUNCTION customers_open_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_counters (customer_id) VALUES (NEW.id);
  RETURN NULL;
END $$;

CREATE TRIGGER customers_open_counters AFTER INSERT ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_open_counters();

CREATE FUNCTION users_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.customer_id IS NOT NULL THEN
    UPDATE customer_counters
       SET user_count = user_count - 1,
           active_user_count = active_user_count - (CASE WHEN OLD.active THEN 1 ELSE 0 END)
     WHERE customer_id = OLD.customer_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.customer_id IS NOT NULL THEN
    UPDATE customer_counters
       SET user_count = user_count + 1,
           active_user_count = active_user_count + (CASE WHEN NEW.active THEN 1 ELSE 0 END)
     WHERE customer_id = NEW.customer_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER users_count_insert_delete AFTER INSERT OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION users_count();
CREATE TRIGGER users_count_update AFTER UPDATE OF customer_id, active ON users
  FOR EACH ROW WHEN ((OLD.customer_id, OLD.active) IS DISTINCT FROM (NEW.customer_id, NEW.active))
  EXECUTE FUNCTION users_count();

CREATE FUNCTION searches_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE customer_counters SET search_count = search_count + 1 WHERE customer_id = NEW.customer_id;
  RETURN NULL;
END $$;

CREATE TRIGGER searches_count AFTER INSERT ON searches
  FOR EACH ROW EXECUTE FUNCTION searches_count();

-- ---------------------------------------------------------------------------
-- From 010_customer_stats_view.sql, as replaced by 013_add_credits_to_customer_stats.sql
-- ---------------------------------------------------------------------------
-- One row per customer for the admin Customers list: its fields, counters and credit account
-- (the view as migration 013 left it). Reads maintained counters only, never aggregates the ledger.
CREATE VIEW customer_stats AS
SELECT c.id,
       c.name,
       c.status,
       c.created_at,
       c.updated_at,
       k.user_count,
       k.active_user_count,
       k.search_count AS total_searches,
       c.contact_email,
       c.max_users,
       c.logo_url,
       cc.balance AS credit_balance,
       cc.total_purchased AS total_credits_purchased,
       cc.total_used AS total_credits_used
  FROM customers c
  JOIN customer_counters k ON k.customer_id = c.id
  JOIN customer_credits cc ON cc.customer_id = c.id;

-- ---------------------------------------------------------------------------
-- From 011_idempotency_keys.sql
-- ---------------------------------------------------------------------------
-- Idempotency-Key support (Stripe's model): the key, a hash of the request and the response are
-- stored in the same transaction as the change, so a retry replays the response instead of
-- repeating the change. Keys are scoped to the user who sent them.
CREATE TABLE idempotency_keys (
  user_id      integer NOT NULL REFERENCES users(id),
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  endpoint     text NOT NULL,
  request_hash text NOT NULL,
  status_code  integer NOT NULL,
  response     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

-- ---------------------------------------------------------------------------
-- From 012_admin_list_indexes.sql
-- ---------------------------------------------------------------------------
-- Indexes that let the admin lists sort, filter and search without scanning whole tables.
CREATE INDEX customers_name_idx ON customers (lower(name), id);
CREATE INDEX customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);
CREATE INDEX customers_created_at_idx ON customers (created_at, id);
CREATE INDEX customers_status_idx ON customers (status, id);
CREATE INDEX customer_credits_balance_idx ON customer_credits (balance, customer_id);
CREATE INDEX customer_credits_purchased_idx ON customer_credits (total_purchased, customer_id);
CREATE INDEX customer_credits_used_idx ON customer_credits (total_used, customer_id);
CREATE INDEX customer_counters_users_idx ON customer_counters (user_count, customer_id);
CREATE INDEX customer_counters_searches_idx ON customer_counters (search_count, customer_id);
CREATE INDEX users_username_trgm_idx ON users USING gin (username gin_trgm_ops);
CREATE INDEX credit_transactions_type_idx ON credit_transactions (type, id);
CREATE INDEX credit_transactions_created_at_idx ON credit_transactions (created_at, id);
CREATE INDEX credit_transactions_manual_admin_idx ON credit_transactions (payment_id text_pattern_ops)
  WHERE payment_id LIKE 'MANUAL_ADMIN_%';

-- ---------------------------------------------------------------------------
-- From 014_admin_list_sort_indexes.sql
-- ---------------------------------------------------------------------------
-- Every sort of the admin lists walks an index. customers_name_idx gains INCLUDE (name): an
-- expression index is used index-only only when the expression's column is in it too.
DROP INDEX customers_name_idx;
CREATE INDEX customers_name_idx ON customers (lower(name), id) INCLUDE (name);

-- The Users list's sorts (username is served by its UNIQUE index).
CREATE INDEX users_role_idx ON users (role, id);
CREATE INDEX users_active_idx ON users (active, id);
CREATE INDEX users_created_at_idx ON users (created_at, id);
CREATE INDEX users_last_login_at_idx ON users (last_login_at NULLS FIRST, id);

-- ---------------------------------------------------------------------------
-- From 035_app_role.sql
-- ---------------------------------------------------------------------------
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

-- The triggers that maintain the accounts and counters run as their owner: the app may INSERT a
-- ledger row, and the trigger (not the app) moves the balance, which the app itself may not UPDATE.
ALTER FUNCTION credit_transactions_apply() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION customers_open_credit_account() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION customers_open_counters() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION users_count() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION searches_count() SECURITY DEFINER SET search_path = public, pg_temp;

-- No DDL: only the owner creates objects here (PostgreSQL 15's default; older clusters granted it to everyone).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO roblox_tool_app;

-- Reading and writing rows, never TRUNCATE, REFERENCES or TRIGGER; then, table by table, less.
-- tests/integration/app-role.test.ts holds the full list: a table without a decision there fails it.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO roblox_tool_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO roblox_tool_app;

REVOKE INSERT, UPDATE, DELETE ON customer_credits, customer_counters, customer_stats FROM roblox_tool_app;
-- The runner's own table exists wherever migrations ran (not in a database built from schema.sql).
DO $$
BEGIN
  IF to_regclass('schema_migrations') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM roblox_tool_app;
  END IF;
END $$;
REVOKE UPDATE, DELETE ON credit_transactions, idempotency_keys, app_settings FROM roblox_tool_app;
REVOKE DELETE ON customers, users, searches FROM roblox_tool_app;
REVOKE USAGE, SELECT ON SEQUENCE credit_transactions_id_seq FROM roblox_tool_app;

-- Tables the owner creates later get the same row privileges; a migration that adds an
-- append-only table revokes what it must (and says so in the test's list).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO roblox_tool_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO roblox_tool_app;
