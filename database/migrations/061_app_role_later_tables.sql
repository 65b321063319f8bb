-- The run-time role roblox_tool_app (migration 035) on the tables of payments (040), grant
-- approvals and bulk grants (050-052) and API keys (060). Whichever ran first on a database (035
-- before these on a new one, after them on one that had them already), they hold the row
-- privileges by then (035's default privileges, or its grant on all tables); here each gets its
-- decision. tests/integration/app-role.test.ts lists every table's.

-- A booked refund is a record of money returned: append-only.
REVOKE UPDATE, DELETE ON purchase_refunds FROM roblox_tool_app;
-- The others move through their states (a purchase paid, a pack retired, a batch booked, an
-- approval decided, a key revoked, a day's grants counted up) and are kept: never deleted.
REVOKE DELETE ON credit_packs, purchases, stripe_events, billing_accounts, grant_approvals,
  bulk_grant_batches, bulk_grant_rows, admin_daily_grants, api_keys FROM roblox_tool_app;

-- 040 patched the ledger trigger with CREATE OR REPLACE, which makes a function SECURITY INVOKER
-- again where 035 had run first: the balance and the grants' remainders move as the owner.
ALTER FUNCTION credit_transactions_apply() SECURITY DEFINER SET search_path = public, pg_temp;
