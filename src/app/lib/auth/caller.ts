import 'server-only';
import type { Queryable } from '../db';
import type { Role } from './roles';

/** Where a request comes from: the client's address (see http/client-address) and its user agent. */
export interface ClientInfo {
  address: string;
  userAgent: string | null;
}

/** Whoever makes a request: a signed-in user, re-read from the database for every request. */
export interface Caller {
  id: number;
  username: string;
  role: Role;
  customerId: number | null;
  customerName: string | null;
  customerStatus: string | null;
  active: boolean;
  /** Whether the user signs in with a second factor. */
  twoFactor: boolean;
  /** The server-side session the request was made in. */
  sessionId: number;
  client: ClientInfo;
}

/** Who did something, as the audit log records it. */
export type Actor = Pick<Caller, 'id' | 'username'> & { client?: ClientInfo | null; sessionId?: number | null };

/** The account a sign-in names (by its normalised username), with its hash: the only query that reads password_hash. */
export async function findLoginAccount(db: Queryable, normalizedUsername: string) {
  const { rows } = await db.query<{
    id: number;
    username: string;
    password_hash: string;
    customer_id: number | null;
    usable: boolean;
    two_factor: boolean;
  }>(
    `SELECT u.id, u.username, u.password_hash, u.customer_id,
            u.active AND (c.id IS NULL OR c.status = 'active') AS usable,
            t.enabled_at IS NOT NULL AS two_factor
       FROM users u
       LEFT JOIN customers c ON c.id = u.customer_id
       LEFT JOIN user_two_factor t ON t.user_id = u.id
      WHERE lower(u.username) = $1`,
    [normalizedUsername],
  );
  return rows[0];
}
