-- Migration 040: payments. Credit packs, purchases through Stripe (Checkout or an auto top-up's
-- off-session charge), the Stripe events already processed, refunds of purchases, and each
-- customer's billing account (Stripe customer, saved card, auto top-up settings and state). What
-- billing does that people must see later (flags, refunds, failures, switch-offs, admins' changes)
-- goes to the shared audit log (audit_events, migration 016).
-- A purchase credits the ledger only from a verified webhook, once: one `purchase` row per
-- PaymentIntent (unique below), booked in the same transaction that records the event.

CREATE TABLE credit_packs (
  id          serial PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  credits     integer NOT NULL CHECK (credits BETWEEN 1 AND 1000000),
  -- the price in the currency's minor units (cents), as Stripe takes it
  unit_amount integer NOT NULL CHECK (unit_amount BETWEEN 1 AND 99999999),
  currency    text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE purchases (
  id                  serial PRIMARY KEY,
  customer_id         integer NOT NULL REFERENCES customers(id),
  pack_id             integer REFERENCES credit_packs(id),
  kind                text NOT NULL CHECK (kind IN ('checkout', 'auto_top_up')),
  -- pending: checkout open or charge in flight; paid: credited; flagged: paid, but not as asked
  -- (amount or currency), so not credited
  status              text NOT NULL CHECK (status IN ('pending', 'paid', 'expired', 'cancelled', 'failed', 'flagged')),
  -- the pack as it was sold: later edits of the pack change nothing here
  pack_name           text NOT NULL,
  credits             integer NOT NULL CHECK (credits > 0),
  unit_amount         integer NOT NULL CHECK (unit_amount > 0),
  currency            text NOT NULL,
  created_by          integer REFERENCES users(id),
  checkout_session_id text UNIQUE,
  payment_intent_id   text UNIQUE,
  -- Stripe's Idempotency-Key for the request that makes this purchase's session or PaymentIntent:
  -- random, so another installation (or a reset database) reusing purchase ids never replays ours
  stripe_request_key  text NOT NULL UNIQUE DEFAULT gen_random_uuid()::text,
  -- the ledger's purchase row (no foreign key into the ledger, as for credit_grants: one would turn
  -- the ledger's TRUNCATE guard into PostgreSQL's foreign-key message; the row is append-only anyway)
  transaction_id      bigint UNIQUE,
  -- refunds so far: money (cumulative, as Stripe reports it), credits taken back, credits that
  -- could not be taken back because they had been spent
  amount_refunded     integer NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
  credits_taken_back  integer NOT NULL DEFAULT 0 CHECK (credits_taken_back >= 0),
  refund_shortfall    integer NOT NULL DEFAULT 0 CHECK (refund_shortfall >= 0),
  problem             text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  paid_at             timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT purchases_refund_credits CHECK (credits_taken_back + refund_shortfall <= credits),
  CONSTRAINT purchases_paid_is_credited CHECK ((status = 'paid') = (transaction_id IS NOT NULL))
);
CREATE INDEX purchases_customer_idx ON purchases (customer_id, id DESC);
CREATE INDEX purchases_pending_idx ON purchases (created_at) WHERE status = 'pending';
-- At most one auto top-up charge in flight per customer, whatever the application does.
CREATE UNIQUE INDEX purchases_one_top_up_in_flight ON purchases (customer_id) WHERE kind = 'auto_top_up' AND status = 'pending';

-- One `purchase` ledger row per Stripe payment.
CREATE UNIQUE INDEX credit_transactions_payment_once ON credit_transactions (payment_id)
  WHERE type = 'purchase' AND payment_id LIKE 'pi\_%';

-- Each refund event's effect on its purchase (the receipt lists them).
CREATE TABLE purchase_refunds (
  id                 serial PRIMARY KEY,
  purchase_id        integer NOT NULL REFERENCES purchases(id),
  customer_id        integer NOT NULL REFERENCES customers(id),
  -- money refunded by this event (minor units) and the cumulative total after it
  amount             integer NOT NULL CHECK (amount > 0),
  amount_refunded    integer NOT NULL,
  credits_taken_back integer NOT NULL CHECK (credits_taken_back >= 0),
  shortfall          integer NOT NULL CHECK (shortfall >= 0),
  -- the `void` ledger row that took the credits back (none when nothing was left to take)
  transaction_id     bigint,
  stripe_event_id    text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchase_refunds_purchase_idx ON purchase_refunds (purchase_id, id);

-- Every Stripe event handled, by id: a replay or a duplicate finds its id here and changes nothing.
CREATE TABLE stripe_events (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  purchase_id integer REFERENCES purchases(id),
  outcome     text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- A customer's billing account. Auto top-up is a state machine kept here:
--   armed    → due       a debit took the balance below the threshold (trigger below)
--   due      → charging  one runner claimed it (UPDATE … WHERE state = 'due': one winner)
--   charging → spent     the PaymentIntent succeeded and was credited
--   charging → due       it failed (retried later; the third failure in a row switches auto top-up off)
--   spent    → armed     the balance is at or above the threshold again
CREATE TABLE billing_accounts (
  customer_id          integer PRIMARY KEY REFERENCES customers(id),
  stripe_customer_id   text UNIQUE,
  -- Idempotency-Key of the request that creates the Stripe customer (random, as on purchases)
  stripe_request_key   text NOT NULL UNIQUE DEFAULT gen_random_uuid()::text,
  payment_method_id    text,
  card_brand           text,
  card_last4           text,
  auto_top_up          boolean NOT NULL DEFAULT false,
  threshold_credits    integer NOT NULL DEFAULT 0 CHECK (threshold_credits >= 0),
  top_up_pack_id       integer REFERENCES credit_packs(id),
  monthly_limit        integer NOT NULL DEFAULT 1 CHECK (monthly_limit >= 1),
  top_up_state         text NOT NULL DEFAULT 'armed' CHECK (top_up_state IN ('armed', 'due', 'charging', 'spent')),
  next_attempt_at      timestamptz,
  charging_purchase_id integer REFERENCES purchases(id),
  consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  -- why auto top-up switched itself off (shown to the customer's admins until they turn it on again)
  disabled_reason      text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT billing_accounts_top_up_pack CHECK (NOT auto_top_up OR top_up_pack_id IS NOT NULL),
  CONSTRAINT billing_accounts_charging CHECK ((top_up_state = 'charging') = (charging_purchase_id IS NOT NULL))
);
CREATE INDEX billing_accounts_due_idx ON billing_accounts (next_attempt_at) WHERE top_up_state IN ('due', 'charging');

-- Watches the ledger for auto top-up, in the transaction of the balance change (an outbox: a
-- rolled-back debit arms nothing). Runs under the customer's row lock the ledger trigger took, so
-- racing debits cross the threshold one at a time and only the first moves armed → due. Voids
-- (an admin's, or a refund taking credits back) never trigger a charge.
CREATE FUNCTION billing_auto_top_up_watch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE billing_accounts
     SET top_up_state = CASE top_up_state WHEN 'armed' THEN 'due' ELSE 'armed' END,
         next_attempt_at = CASE top_up_state WHEN 'armed' THEN now() ELSE NULL END,
         updated_at = now()
   WHERE customer_id = NEW.customer_id AND auto_top_up
     AND ((top_up_state = 'armed' AND NEW.amount < 0 AND NEW.type <> 'void' AND NEW.balance_after < threshold_credits)
       OR (top_up_state = 'spent' AND NEW.balance_after >= threshold_credits));
  RETURN NULL;
END $$;

CREATE TRIGGER credit_transactions_auto_top_up AFTER INSERT ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION billing_auto_top_up_watch();

-- Partial voids: a `void` row may take part of a grant's remainder (a refunded payment takes back
-- its share of its own purchase's credits); the grant stays live with the rest, and closes as voided
-- only when nothing remains. The ledger trigger (migration 020) is patched in place rather than
-- restated, so that everything else in it (the debit's bounded index walk, refunds across look-ups,
-- the hash chain) stays exactly as the ledger has it; the migration fails if the text it patches
-- has changed.
DO $patch$
DECLARE
  src text;
  patched text;
BEGIN
  SELECT prosrc INTO src FROM pg_proc WHERE proname = 'credit_transactions_apply';
  patched := replace(src,
    $old$       SET remaining = 0, live = false, closed = CASE NEW.type WHEN 'expiry' THEN 'expired' ELSE 'voided' END
     WHERE id = NEW.grant_id AND customer_id = NEW.customer_id AND remaining = -NEW.amount$old$,
    $new$       SET remaining = remaining + NEW.amount, live = remaining + NEW.amount > 0,
           closed = CASE WHEN remaining + NEW.amount > 0 THEN NULL WHEN NEW.type = 'expiry' THEN 'expired' ELSE 'voided' END
     WHERE id = NEW.grant_id AND customer_id = NEW.customer_id
       AND (remaining = -NEW.amount OR (NEW.type = 'void' AND remaining > -NEW.amount))$new$);
  IF patched = src THEN
    RAISE EXCEPTION 'migration 040: the close branch of credit_transactions_apply() is not the one it patches';
  END IF;
  EXECUTE format('CREATE OR REPLACE FUNCTION credit_transactions_apply() RETURNS trigger LANGUAGE plpgsql AS %L', patched);
END $patch$;
