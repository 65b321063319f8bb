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
