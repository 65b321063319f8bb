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
