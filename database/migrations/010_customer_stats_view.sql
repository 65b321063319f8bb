-- One row per customer with its counters, for the admin Customers list.
CREATE VIEW customer_stats AS
SELECT c.id,
       c.name,
       c.status,
       c.created_at,
       c.updated_at,
       k.user_count,
       k.active_user_count,
       k.search_count AS total_searches
  FROM customers c
  JOIN customer_counters k ON k.customer_id = c.id;
