-- Indexes that let the admin lists sort, filter and search without scanning whole tables.
CREATE INDEX customers_name_idx ON customers (lower(name), id);
CREATE INDEX customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);
CREATE INDEX customers_created_at_idx ON customers (created_at, id);
CREATE INDEX customers_status_idx ON customers (status, id);
CREATE INDEX customer_credits_balance_idx ON customer_credits (balance, customer_id);
CREATE INDEX customer_credits_purchased_idx ON customer_credits (total_purchased, customer_id);
CREATE INDEX customer_credits_used_idx ON customer_credits (total_used, customer_id);
CREATE INDEX customer_counters_users_idx ON customer_counters (user_count, customer_id);
CREATE INDEX customer_counters_searches_idx ON customer_counters (search_count, customer_id);
CREATE INDEX users_username_trgm_idx ON users USING gin (username gin_trgm_ops);
CREATE INDEX credit_transactions_type_idx ON credit_transactions (type, id);
CREATE INDEX credit_transactions_created_at_idx ON credit_transactions (created_at, id);
CREATE INDEX credit_transactions_manual_admin_idx ON credit_transactions (payment_id text_pattern_ops)
  WHERE payment_id LIKE 'MANUAL_ADMIN_%';
