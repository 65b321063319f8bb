-- The run-time role roblox_tool_app (migration 035) on the tables of webhooks, the outbox and
-- notifications (070-073), which hold the row privileges by then (as 061 explains); here each gets
-- its decision. tests/integration/app-role.test.ts lists every table's.

-- Written once: an event as it happened, and the note that a grant's expiry alert went out.
REVOKE UPDATE, DELETE ON outbox_events, credit_expiry_alerts FROM roblox_tool_app;
-- Attempted, read, sent: updated, and kept (a delivery goes with its endpoint, by the foreign key's
-- cascade, which runs as the owner).
REVOKE DELETE ON webhook_deliveries, notifications, email_outbox FROM roblox_tool_app;
-- webhooks keep all four: an endpoint is deleted by its owner (DELETE /api/admin/webhooks/:id).

-- The platform's low-balance threshold (LOW_BALANCE_THRESHOLD) is stored at every start for the
-- ledger's alert trigger to read. app_settings is otherwise written once (the session secret), so
-- the app changes this one key only, through this function, which runs as the owner.
CREATE FUNCTION store_low_balance_threshold(p_value text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO app_settings (key, value) VALUES ('low_balance_threshold', p_value)
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE app_settings.value IS DISTINCT FROM EXCLUDED.value
$$;

-- The Overview's counters (migration 055) move only with the ledger, like customer_credits: the
-- counting trigger and the platform roll-up (the Overview's request calls it) run as the owner, and
-- the app role reads.
ALTER FUNCTION credit_usage_count() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION credit_platform_rollup() SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE INSERT, UPDATE, DELETE ON credit_daily_usage, credit_customer_usage, credit_platform_daily FROM roblox_tool_app;
