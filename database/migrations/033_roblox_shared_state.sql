-- State shared by every app instance when REDIS_URL is unset (issue 16): Roblox answers cached
-- for ROBLOX_CACHE_SECONDS, the lease that lets one instance fill a missing entry while the others
-- wait for it, and one token bucket per Roblox API host (with the pause a 429 from Roblox asks
-- for; NULL: not paused). Losing any of it costs at most some extra Roblox calls, so none of it
-- is WAL-logged.
CREATE UNLOGGED TABLE roblox_cache (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX roblox_cache_expires_idx ON roblox_cache (expires_at);

CREATE UNLOGGED TABLE roblox_cache_leases (
  key        text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE UNLOGGED TABLE roblox_rate_buckets (
  host         text PRIMARY KEY,
  tokens       double precision NOT NULL,
  refilled_at  timestamptz NOT NULL,
  paused_until timestamptz
);
