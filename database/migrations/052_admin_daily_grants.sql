-- ADMIN_DAILY_GRANT_LIMIT (issue 13): the credits each admin has granted (or asked to grant) per UTC
-- day, moved in the transaction that books or requests the grant. The limit check is the
-- conditional upsert of this row, so concurrent grants of one admin queue on it and can't overshoot
-- together. Kept only while the limit is set.
CREATE TABLE admin_daily_grants (
  user_id integer NOT NULL REFERENCES users(id),
  day     date NOT NULL,
  credits bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
  PRIMARY KEY (user_id, day)
);
