-- Idempotency for requests that call out (a look-up, issue 10 defect 6): the key is claimed (a
-- row without a response) in the request's first transaction and answered when it finishes, so
-- no transaction stays open while Roblox is asked. `reference` names what the claim started
-- (e.g. "look-up #12") for the answer to a retry that finds it unanswered.
ALTER TABLE idempotency_keys ALTER COLUMN status_code DROP NOT NULL;
ALTER TABLE idempotency_keys ALTER COLUMN response DROP NOT NULL;
ALTER TABLE idempotency_keys ADD COLUMN reference text CHECK (length(reference) <= 200);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_answered CHECK ((status_code IS NULL) = (response IS NULL));
