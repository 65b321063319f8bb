-- Migration 021: customer_stats names every kind of credit movement. total_credits_purchased (all
-- credits ever added, paid and promotional) and total_credits_used (net: used minus refunded) keep
-- the guide's names; the new columns are appended, so the guide's queries are unchanged.
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
       cc.total_used AS total_credits_used,
       cc.total_paid AS total_credits_paid,
       cc.total_promotional AS total_credits_promotional,
       cc.total_refunded AS total_credits_refunded,
       cc.total_expired AS total_credits_expired,
       cc.total_voided AS total_credits_voided,
       cc.total_deducted AS total_credits_deducted
  FROM customers c
  JOIN customer_counters k ON k.customer_id = c.id
  JOIN customer_credits cc ON cc.customer_id = c.id;
