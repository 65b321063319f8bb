-- Migration 071: balance alerts (issue 14): in-app notifications for the customer's admins, the
-- email outbox, a low-balance threshold per customer, users' email addresses, and the record of
-- which grants have had their "expiring" alert.

ALTER TABLE users ADD COLUMN email text CHECK (length(email) BETWEEN 3 AND 320);
-- NULL: the platform default (LOW_BALANCE_THRESHOLD, kept in app_settings by the app at start).
-- 0 turns credits.low off for the customer.
ALTER TABLE customers ADD COLUMN low_balance_threshold integer CHECK (low_balance_threshold BETWEEN 0 AND 1000000000);

CREATE TABLE notifications (
  id          bigserial PRIMARY KEY,
  user_id     integer NOT NULL REFERENCES users(id),
  customer_id integer,
  event_id    bigint NOT NULL REFERENCES outbox_events(id),
  type        text NOT NULL,
  data        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- One row per alert to send by email; recipients are looked up when it is sent.
CREATE TABLE email_outbox (
  id              bigserial PRIMARY KEY,
  event_id        bigint NOT NULL UNIQUE REFERENCES outbox_events(id),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  recipients      text[],
  last_error      text,
  sent_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'pending';

-- A grant whose credits.expiring alert has gone out (once per grant).
CREATE TABLE credit_expiry_alerts (
  grant_id    bigint PRIMARY KEY,
  customer_id integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
