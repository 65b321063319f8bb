-- Migration 013: add credit information to the customer_stats view.
--
-- Adds credit_balance, total_credits_purchased and total_credits_used, plus the customer fields
-- the view was missing (contact_email, max_users, logo_url). The values come from the maintained
-- customer_credits account, so the view stays cheap however long the ledger grows.
--
-- Idempotent: CREATE OR REPLACE keeps the existing columns in place and appends the new ones, so
-- running it twice, or with psql before the migration runner, is harmless.
-- Apply with: node scripts/run-migration-013.js   or   psql -d your_database -f <this file>

CREATE OR REPLACE VIEW customer_stats AS
SELECT c.id,
       c.name,
       c.status,
       c.created_at,
       c.updated_at,
       k.user_count,
       k.active_user_count,
       k.search_count AS total_searches,
       c.contact_email,
       c.max_users,
       c.logo_url,
       cc.balance AS credit_balance,
       cc.total_purchased AS total_credits_purchased,
       cc.total_used AS total_credits_used
  FROM customers c
  JOIN customer_counters k ON k.customer_id = c.id
  JOIN customer_credits cc ON cc.customer_id = c.id;
