-- Server-side sessions. The session cookie (NextAuth's encrypted JWT) carries a random secret;
-- its SHA-256 finds the row here, and only a live row makes the cookie worth anything: signing
-- out, a password or role change and deactivation end rows, and the app enforces the absolute
-- and idle lifetimes from created_at and last_seen_at. A cookie from another deployment (even one
-- sharing NEXTAUTH_SECRET) names no row of this database.
CREATE TABLE sessions (
  id           bigserial PRIMARY KEY,
  user_id      integer NOT NULL REFERENCES users(id),
  token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  address      text,
  user_agent   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  ended_at     timestamptz,
  end_reason   text CHECK (end_reason IN ('signed_out', 'revoked', 'password_changed', 'role_changed', 'deactivated')),
  CONSTRAINT sessions_ended_with_reason CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

-- A user's live sessions: the account page's list and "end every session of this user".
CREATE INDEX sessions_user_live_idx ON sessions (user_id, id) WHERE ended_at IS NULL;
-- The periodic clean-up of long-dead rows.
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
