-- Migration 014: every sort of the admin lists walks an index (measured with `npm run bench`,
-- docs/PERFORMANCE.md).
--
-- customers_name_idx (lower(name), id) gains INCLUDE (name). PostgreSQL uses an expression index
-- "index-only" only when the expression's column is in the index too; without it, paging deep into
-- the name-sorted Customers list (page 1,000 skips 25,000 entries) read one table row per skipped
-- customer.
DROP INDEX customers_name_idx;
CREATE INDEX customers_name_idx ON customers (lower(name), id) INCLUDE (name);

-- The Users list's sorts (username is served by its UNIQUE index). last_login_at sorts put
-- never-signed-in users first when ascending, last when descending: the index's order.
CREATE INDEX users_role_idx ON users (role, id);
CREATE INDEX users_active_idx ON users (active, id);
CREATE INDEX users_created_at_idx ON users (created_at, id);
CREATE INDEX users_last_login_at_idx ON users (last_login_at NULLS FIRST, id);
