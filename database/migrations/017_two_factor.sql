-- Two-factor sign-in (TOTP, RFC 6238). Secrets are stored encrypted (AES-256-GCM, key derived from
-- NEXTAUTH_SECRET); `pending_secret` is the one shown at set-up until a code proves the
-- authenticator has it. `last_time_step` is the newest 30-second step a code was accepted for:
-- a code is good once, so an observed code can't be replayed within its window.
CREATE TABLE user_two_factor (
  user_id        integer PRIMARY KEY REFERENCES users(id),
  secret         text,
  pending_secret text,
  enabled_at     timestamptz,
  last_time_step bigint,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT user_two_factor_enabled_with_secret CHECK ((enabled_at IS NULL) = (secret IS NULL))
);

CREATE TRIGGER user_two_factor_set_updated_at BEFORE UPDATE ON user_two_factor
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Single-use recovery codes, kept only as SHA-256 of 80-bit random codes.
CREATE TABLE user_recovery_codes (
  id         bigserial PRIMARY KEY,
  user_id    integer NOT NULL REFERENCES users(id),
  code_hash  bytea NOT NULL CHECK (octet_length(code_hash) = 32),
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT user_recovery_codes_unique UNIQUE (user_id, code_hash)
);
