-- Per-user spending limits (issue 16). monthly_credit_limit NULL: no limit. user_monthly_spend
-- holds what each user's look-ups took per calendar month (UTC), moved in the same transaction as
-- the debit or refund: the limit check is the conditional upsert of this row, so concurrent
-- look-ups of one user queue on it and can't overshoot the limit together.
ALTER TABLE users ADD COLUMN monthly_credit_limit integer CHECK (monthly_credit_limit >= 0);

CREATE TABLE user_monthly_spend (
  user_id integer NOT NULL REFERENCES users(id),
  month   date NOT NULL CHECK (month = date_trunc('month', month)::date),
  credits bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
  PRIMARY KEY (user_id, month)
);
