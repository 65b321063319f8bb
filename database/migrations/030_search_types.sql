-- Look-ups v2 (issue 16): four look-up types; queries long enough for 100 usernames; what each
-- look-up was priced at when it started (credits per unit, and units: names reserved for a
-- `usernames` look-up, else 1); whether it was answered from the shared cache. Indexes for the
-- history's type filter and the usage report's date ranges.
ALTER TABLE searches DROP CONSTRAINT searches_search_type_check;
ALTER TABLE searches ADD CONSTRAINT searches_search_type_check
  CHECK (search_type IN ('keyword', 'profile', 'groups', 'usernames'));
ALTER TABLE searches DROP CONSTRAINT searches_query_check;
ALTER TABLE searches ADD CONSTRAINT searches_query_check CHECK (length(query) <= 2100);
ALTER TABLE searches ADD COLUMN unit_price integer CHECK (unit_price >= 0);
ALTER TABLE searches ADD COLUMN units integer CHECK (units >= 0);
ALTER TABLE searches ADD COLUMN cached boolean NOT NULL DEFAULT false;

CREATE INDEX searches_customer_type_idx ON searches (customer_id, search_type, id);
CREATE INDEX searches_customer_created_idx ON searches (customer_id, created_at);
CREATE INDEX searches_created_idx ON searches (created_at);
