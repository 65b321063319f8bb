import 'server-only';
import type { Queryable } from '../db';
import type { Permission } from './permissions';
import type { Role } from './roles';

/** Where a request comes from: the client's address (see http/client-address) and its user agent. */
export interface ClientInfo {
  address: string;
  userAgent: string | null;
}

/** The API key a request was made with: what it may do, and how it names itself. */
export interface CallerKey {
  id: number;
  name: string;
  /** `rtk_` and the key's first 8 characters: shown in lists, logs and the ledger. */
  prefix: string;
  /** What the key may do now: its own permissions that its role and its creator's still have. */
  permissions: Permission[];
}

/**
 * Whoever makes a request, re-read from the database for every request: a signed-in user, or an
 * API key acting for the user who made it (`id`, `username`: the creator; `role`, `customerId`:
 * what the key acts as: a platform key as SUPER_ADMIN, a customer's key as that customer's
 * CUSTOMER_ADMIN, limited to `apiKey.permissions`).
 */
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
  /** The server-side session the request was made in (null: an API key). */
  sessionId: number | null;
  client: ClientInfo;
  /** The API key the request was made with (null: a session). */
  apiKey: CallerKey | null;
}

/** Who did something, as the audit log records it. */
export type Actor = Pick<Caller, 'id' | 'username'> & {
  client?: ClientInfo | null;
  sessionId?: number | null;
  apiKey?: Pick<CallerKey, 'id' | 'prefix'> | null;
};

/**
 * The actor's name where a row must carry it in words (the ledger's "(Added by: …)"): the user,
 * and the key when one was used, so the guide's queries by username still find it.
 */
export const actorName = (actor: Actor) => (actor.apiKey ? `${actor.username} via API key ${actor.apiKey.prefix}` : actor.username);

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
