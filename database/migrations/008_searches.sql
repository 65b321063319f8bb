-- Paid Roblox look-ups: one row per look-up, charged or not.
CREATE TABLE searches (
  id              bigserial PRIMARY KEY,
  customer_id     integer NOT NULL REFERENCES customers(id),
  user_id         integer NOT NULL REFERENCES users(id),
  query           text NOT NULL CHECK (length(query) <= 200),
  search_type     text NOT NULL DEFAULT 'keyword' CHECK (search_type IN ('keyword', 'profile')),
  status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'success', 'failed', 'refunded', 'rejected')),
  result_count    integer CHECK (result_count >= 0),
  credits_charged integer NOT NULL DEFAULT 0 CHECK (credits_charged >= 0),
  duration_ms     integer CHECK (duration_ms >= 0),
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX searches_customer_idx ON searches (customer_id, id);
CREATE INDEX searches_user_idx ON searches (user_id, id);
