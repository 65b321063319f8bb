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
