-- Grant approvals (issue 13): with GRANT_APPROVAL_THRESHOLD or CUSTOMER_ADMIN_SELF_GRANTS=approval
-- a grant waits here until a different SUPER_ADMIN approves it; only then is it booked, as the
-- requester's ordinary admin grant. A bulk batch above the threshold waits for one approval of the
-- whole batch (batch_id set, customer_id NULL). `status` moves once, from pending, by a
-- conditional UPDATE, so a concurrent approve and reject can't both win. A pending approval past
-- `deadline` (7 days) is expired. `counted_day`: the UTC day whose ADMIN_DAILY_GRANT_LIMIT counter
-- holds the amount (NULL when no limit was set), given back if the approval never books.
CREATE TABLE grant_approvals (
  id                    serial PRIMARY KEY,
  customer_id           integer REFERENCES customers(id),
  batch_id              integer,
  amount                bigint NOT NULL CHECK (amount > 0),
  description           text NOT NULL,
  category              text CHECK (category IN ('paid', 'promotional')),
  grant_expires_at      timestamptz,
  priority              integer,
  requested_by          integer NOT NULL REFERENCES users(id),
  requested_by_username text NOT NULL,
  requested_at          timestamptz NOT NULL DEFAULT now(),
  deadline              timestamptz NOT NULL DEFAULT now() + interval '7 days',
  status                text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  decided_by            integer REFERENCES users(id),
  decided_by_username   text,
  decided_at            timestamptz,
  reason                text,
  transaction_id        bigint,
  counted_day           date,
  CONSTRAINT grant_approvals_target CHECK ((customer_id IS NULL) <> (batch_id IS NULL)),
  CONSTRAINT grant_approvals_decided CHECK ((status = 'pending') = (decided_at IS NULL))
);

CREATE INDEX grant_approvals_status_idx ON grant_approvals (status, id);
CREATE INDEX grant_approvals_customer_idx ON grant_approvals (customer_id, id);
CREATE INDEX grant_approvals_deadline_idx ON grant_approvals (deadline) WHERE status = 'pending';
