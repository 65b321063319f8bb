-- Migration 073: webhook signing secrets encrypted at rest (AES-256-GCM under a key derived from
-- NEXTAUTH_SECRET, as the TOTP secrets are: "v1.<key id>.<iv>.<ciphertext>.<tag>").
--
-- SQL can't encrypt (the key is the app's), so the check is NOT VALID: every secret written from
-- now on must be sealed, and the plaintext ones 070 stored are sealed by the app at its next start
-- (src/instrumentation-node.ts), which also re-seals them under a new NEXTAUTH_SECRET in a rotation.
ALTER TABLE webhooks DROP CONSTRAINT webhooks_secret_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_secret_sealed
  CHECK (secret ~ '^v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$') NOT VALID;
-- Where no plaintext secret is left (every database that never ran the app between 070 and 073), the
-- check is validated at once, so the constraint binds old rows too and a restore brings it back valid.
DO $validate$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks WHERE secret !~ '^v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$') THEN
    ALTER TABLE webhooks VALIDATE CONSTRAINT webhooks_secret_sealed;
  END IF;
END $validate$;
