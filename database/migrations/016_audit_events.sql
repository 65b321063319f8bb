-- The audit log of security-relevant and admin actions, written in the same transaction as the
-- change it records. Like the credit ledger it is append-only: UPDATE, DELETE and TRUNCATE are
-- refused by the database itself. Ids are recorded as they were, without foreign keys: writing
-- the log never waits on, or fails for, the rows it names.
CREATE TABLE audit_events (
  id             bigserial PRIMARY KEY,
  action         text NOT NULL CHECK (action ~ '^[a-z]+(_[a-z]+)*(\.[a-z]+(_[a-z]+)*)+$'),
  actor_id       integer,
  -- The actor's name when it acted (usernames are fixed today, but the log must not depend on it).
  actor_username text,
  customer_id    integer,
  target_type    text,
  target_id      bigint,
  before         jsonb,
  after          jsonb,
  address        text,
  user_agent     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT audit_events_target CHECK ((target_type IS NULL) = (target_id IS NULL))
);

CREATE INDEX audit_events_customer_idx ON audit_events (customer_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (action, id);
CREATE INDEX audit_events_created_at_idx ON audit_events (created_at, id);

CREATE FUNCTION audit_events_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_forbid_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_forbid_change();
