-- Sign-in attempt counters, shared by every app instance (rate-limiter-flexible's PostgreSQL
-- store: its own column layout; the app never creates it at run time). Keys are
-- "<limiter>:<account, device or address>", `expire` is milliseconds since the epoch.
CREATE TABLE login_limits (
  key    varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
