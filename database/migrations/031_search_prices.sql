-- The price list (issue 16): credits per look-up type (per name resolved for `usernames`), set by
-- the platform, and per-customer overrides. A type without a row costs SEARCH_CREDIT_COST.
CREATE TABLE search_prices (
  search_type text PRIMARY KEY CHECK (search_type IN ('keyword', 'profile', 'groups', 'usernames')),
  credits     integer NOT NULL CHECK (credits BETWEEN 0 AND 1000000),
  updated_by  integer REFERENCES users(id),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customer_search_prices (
  customer_id integer NOT NULL REFERENCES customers(id),
  search_type text NOT NULL CHECK (search_type IN ('keyword', 'profile', 'groups', 'usernames')),
  credits     integer NOT NULL CHECK (credits BETWEEN 0 AND 1000000),
  updated_by  integer REFERENCES users(id),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, search_type)
);
