-- API keys (issue 14): machines call the API with `Authorization: Bearer rtk_…` instead of a
-- session cookie. Only the key's SHA-256 is kept (the key is 32 random bytes: a fast hash of a
-- secret that can't be guessed is as safe as a slow one, and lets the request find its key by a
-- unique index). `prefix` (rtk_ and the key's first 8 characters) tells keys apart in lists and
-- logs. A key acts for its customer (NULL: a platform key) with at most `permissions`, and only
-- while its creator is active; revoking is setting revoked_at.
CREATE TABLE api_keys (
  id           serial PRIMARY KEY,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix       text NOT NULL CHECK (prefix ~ '^rtk_[A-Za-z0-9_-]{8}$'),
  key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  customer_id  integer REFERENCES customers(id),
  permissions  text[] NOT NULL CHECK (cardinality(permissions) > 0),
  created_by   integer NOT NULL REFERENCES users(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  revoked_by   integer REFERENCES users(id),
  CONSTRAINT api_keys_revoked CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

CREATE INDEX api_keys_customer_idx ON api_keys (customer_id, id);
CREATE INDEX api_keys_created_by_idx ON api_keys (created_by);

-- The key an audited action was taken with (NULL: a session, the system, or nobody). Like the
-- log's other ids it has no foreign key.
ALTER TABLE audit_events ADD COLUMN api_key_id integer;
CREATE INDEX audit_events_api_key_idx ON audit_events (api_key_id, id) WHERE api_key_id IS NOT NULL;
