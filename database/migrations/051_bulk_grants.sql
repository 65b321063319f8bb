-- Bulk grants (issue 13): a batch and its rows, one row per line of the upload. The job books each
-- pending row as an ordinary admin grant of the requester and marks it succeeded (with its ledger
-- row) or failed in the same transaction, so a batch interrupted by a restart resumes where it
-- stopped and never books a row twice. Rows that failed validation are stored failed at once.
-- A batch whose total needs an approval waits in pending_approval.
CREATE TABLE bulk_grant_batches (
  id                    serial PRIMARY KEY,
  requested_by          integer NOT NULL REFERENCES users(id),
  requested_by_username text NOT NULL,
  status                text NOT NULL CHECK (status IN ('pending_approval', 'running', 'done')),
  total                 integer NOT NULL CHECK (total >= 0),
  total_credits         bigint NOT NULL CHECK (total_credits >= 0),
  counted_day           date,
  created_at            timestamptz NOT NULL DEFAULT now(),
  finished_at           timestamptz
);

CREATE INDEX bulk_grant_batches_running_idx ON bulk_grant_batches (id) WHERE status = 'running';

ALTER TABLE grant_approvals ADD CONSTRAINT grant_approvals_batch_fkey FOREIGN KEY (batch_id) REFERENCES bulk_grant_batches(id);

CREATE TABLE bulk_grant_rows (
  batch_id       integer NOT NULL REFERENCES bulk_grant_batches(id),
  line           integer NOT NULL CHECK (line > 0),
  customer_id    integer,
  amount         integer,
  description    text,
  category       text,
  grant_expires_at timestamptz,
  status         text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  error          text,
  transaction_id bigint,
  PRIMARY KEY (batch_id, line),
  CONSTRAINT bulk_grant_rows_outcome CHECK ((status = 'succeeded') = (transaction_id IS NOT NULL) AND (status = 'failed') = (error IS NOT NULL))
);

CREATE INDEX bulk_grant_rows_pending_idx ON bulk_grant_rows (batch_id, line) WHERE status = 'pending';
