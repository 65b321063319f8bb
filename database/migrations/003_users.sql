-- People who sign in. SUPER_ADMINs belong to the platform; everyone else to exactly one customer.
CREATE TABLE users (
  id            serial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{3,64}$'),
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('SUPER_ADMIN', 'CUSTOMER_ADMIN', 'USER')),
  customer_id   integer REFERENCES customers(id),
  active        boolean NOT NULL DEFAULT true,
  last_login_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_tenant_role CHECK ((role = 'SUPER_ADMIN') = (customer_id IS NULL))
);

-- Usernames are unique regardless of case: "Admin" and "admin" are one account.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE INDEX users_customer_id_idx ON users (customer_id, id);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
