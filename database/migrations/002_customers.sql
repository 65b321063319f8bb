-- Tenants: the businesses that buy credits.
CREATE TABLE customers (
  id            serial PRIMARY KEY,
  name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  contact_email text CHECK (contact_email IS NULL OR length(contact_email) <= 320),
  max_users     integer NOT NULL DEFAULT 10 CHECK (max_users BETWEEN 1 AND 100000),
  logo_url      text CHECK (logo_url IS NULL OR length(logo_url) <= 2048),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER customers_set_updated_at BEFORE UPDATE ON customers
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
