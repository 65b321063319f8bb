-- Migration 070: signed webhooks and the outbox they are delivered from (issue 14).
--
-- An event is written to outbox_events in the same transaction as the change that caused it, with
-- one webhook_deliveries row per endpoint subscribed to it at that moment: a change that rolls
-- back leaves neither, a committed one leaves both, and the job runner delivers every pending row
-- after a crash as before it. Deliveries retry with backoff (their own columns), endpoints that
-- keep failing are disabled.

-- NULL customer_id: a platform endpoint (SUPER_ADMIN), which receives every customer's events.
CREATE TABLE webhooks (
  id            serial PRIMARY KEY,
  customer_id   integer REFERENCES customers(id),
  url           text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events        text[] NOT NULL CHECK (cardinality(events) > 0),
  -- whsec_<base64>: kept readable, as HMAC signing needs the key itself.
  secret        text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]+=*$'),
  enabled       boolean NOT NULL DEFAULT true,
  -- the first failed attempt since the last success; NULL while it succeeds
  failing_since timestamptz,
  disabled_at   timestamptz,
  created_by    integer REFERENCES users(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhooks_disabled CHECK (enabled = (disabled_at IS NULL))
);
CREATE INDEX webhooks_customer_idx ON webhooks (customer_id, id);

CREATE TABLE outbox_events (
  id          bigserial PRIMARY KEY,
  type        text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
  -- the customer the event is about; NULL: the platform
  customer_id integer,
  data        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id               bigserial PRIMARY KEY,
  webhook_id       integer NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id         bigint NOT NULL REFERENCES outbox_events(id),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz DEFAULT now(),
  -- held by the attempt in flight; a crashed attempt's lease runs out and the row is tried again
  locked_until     timestamptz,
  last_status_code integer,
  last_error       text,
  last_attempt_at  timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_id),
  CONSTRAINT webhook_deliveries_next CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
