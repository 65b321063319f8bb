import 'server-only';
import type { Queryable } from '../db';
import type { Role } from './roles';

/** Whoever makes a request: a signed-in user, re-read from the database for every request. */
export interface Caller {
  id: number;
  username: string;
  role: Role;
  customerId: number | null;
  customerName: string | null;
  customerStatus: string | null;
  active: boolean;
}

export async function findCaller(db: Queryable, id: number): Promise<Caller | undefined> {
  const { rows } = await db.query<{
    id: number;
    username: string;
    role: Role;
    customer_id: number | null;
    customer_name: string | null;
    customer_status: string | null;
    active: boolean;
  }>(
    `SELECT u.id, u.username, u.role, u.customer_id, c.name AS customer_name, c.status AS customer_status, u.active
       FROM users u LEFT JOIN customers c ON c.id = u.customer_id
      WHERE u.id = $1`,
    [id],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      username: r.username,
      role: r.role,
      customerId: r.customer_id,
      customerName: r.customer_name,
      customerStatus: r.customer_status,
      active: r.active,
    }
  );
}

/** The account a sign-in names, with its hash: the only query that reads password_hash. */
export async function findLoginAccount(db: Queryable, username: string) {
  const { rows } = await db.query<{ id: number; username: string; password_hash: string; usable: boolean }>(
    `SELECT u.id, u.username, u.password_hash,
            u.active AND (c.id IS NULL OR c.status = 'active') AS usable
       FROM users u LEFT JOIN customers c ON c.id = u.customer_id
      WHERE lower(u.username) = lower($1)`,
    [username],
  );
  return rows[0];
}

export async function recordLogin(db: Queryable, userId: number): Promise<void> {
  await db.query('UPDATE users SET last_login_at = now() WHERE id = $1', [userId]);
}
