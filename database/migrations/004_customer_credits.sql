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
