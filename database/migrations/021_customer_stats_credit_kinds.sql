-- Migration 021: every kind of credit movement by name, per customer. total_credits_purchased (all
-- credits ever added, paid and promotional) and total_credits_used (net: used minus refunded) keep
-- the guide's names. These live in a view of their own, customer_credit_totals: customer_stats
-- keeps exactly migration 013's columns, so the guide's `psql -f 013_…sql` (CREATE OR REPLACE VIEW,
-- which can't drop columns) still runs cleanly on an up-to-date database.
CREATE OR REPLACE VIEW customer_credit_totals AS
SELECT cc.customer_id AS id,
       cc.balance AS credit_balance,
       cc.total_purchased AS total_credits_purchased,
       cc.total_used AS total_credits_used,
       cc.total_paid AS total_credits_paid,
       cc.total_promotional AS total_credits_promotional,
       cc.total_refunded AS total_credits_refunded,
       cc.total_expired AS total_credits_expired,
       cc.total_voided AS total_credits_voided,
       cc.total_deducted AS total_credits_deducted
  FROM customer_credits cc;
