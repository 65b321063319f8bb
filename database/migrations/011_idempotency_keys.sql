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
