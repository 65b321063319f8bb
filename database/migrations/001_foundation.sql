-- Base objects every later migration relies on.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Instance-wide settings the app owns (e.g. the generated session secret of an embedded install).
CREATE TABLE app_settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
