import 'server-only';
import { recordAudit } from '../audit';
import type { Actor, Caller } from '../auth/caller';
import { hashPassword } from '../auth/password';
import { assertMayChangeUser, customerOfNewUser } from '../auth/policies';
import type { Role } from '../auth/roles';
import { endUserSessions } from '../auth/session';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions, likePattern } from '../db/sql';
import { badRequest, conflict, isPgError, notFound } from '../errors';
import type { CreateUserInput, UpdateUserInput, UserListQuery } from './schemas';

export interface UserDto {
  id: number;
  username: string;
  role: Role;
  customerId: number | null;
  customerName: string | null;
  active: boolean;
  /** Where balance alerts reach this user (admins); null: none. */
  email: string | null;
  createdAt: string;
  lastLoginAt: string | null;
  /** Credits this user's look-ups may take per calendar month (UTC); null: no limit. */
  monthlyCreditLimit: number | null;
  /** What this user's look-ups took this calendar month (UTC). */
  spentThisMonth: number;
}

interface UserRow {
  id: number;
  username: string;
  role: Role;
  customer_id: number | null;
  customer_name: string | null;
  active: boolean;
  email: string | null;
  created_at: Date;
  last_login_at: Date | null;
  monthly_credit_limit: number | null;
  spent_this_month: number | null;
}

// password_hash is selected only by findLoginUser; no other query here ever reads it.
const USER_COLUMNS = `u.id, u.username, u.role, u.customer_id, c.name AS customer_name, u.active, u.email,
  u.created_at, u.last_login_at, u.monthly_credit_limit, ms.credits AS spent_this_month`;
const USER_FROM = `users u LEFT JOIN customers c ON c.id = u.customer_id
  LEFT JOIN user_monthly_spend ms ON ms.user_id = u.id AND ms.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date`;

function toDto(r: UserRow): UserDto {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    customerId: r.customer_id,
    customerName: r.customer_name,
    active: r.active,
    email: r.email,
    createdAt: r.created_at.toISOString(),
    lastLoginAt: r.last_login_at?.toISOString() ?? null,
    monthlyCreditLimit: r.monthly_credit_limit,
    spentThisMonth: Number(r.spent_this_month ?? 0),
  };
}

/** `customerId` undefined: all users (platform scope); a number: only that customer's users. */
export async function listUsers(db: Queryable, customerId: number | undefined, q: UserListQuery): Promise<Page<UserDto>> {
  const where = new Conditions()
    .maybe('u.customer_id = ?', customerId)
    .maybe('u.role = ?', q.role)
    .maybe('u.active = ?', q.active);
  if (q.search) where.add('u.username ILIKE ?', likePattern(q.search));
  const sort = q.sort ?? 'id';
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  const nulls = sort === 'last_login_at' ? (dir === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST') : '';
  // Usernames are unique: ordering by them alone lets the UNIQUE index serve the sort.
  const tieBreak = sort === 'username' || sort === 'id' ? '' : `, u.id ${dir}`;
  // Capped like the audit trail's: platform-wide there are as many users as customers times seats.
  return listPage(db, q, {
    where,
    countFrom: 'FROM users u',
    select: (limit, offset) =>
      `SELECT ${USER_COLUMNS} FROM ${USER_FROM}
       ${where.sql} ORDER BY u.${sort} ${dir} ${nulls}${tieBreak} LIMIT ${limit} OFFSET ${offset}`,
    map: toDto,
  });
}

export async function getUser(db: Queryable, id: number, customerId: number | undefined): Promise<UserDto> {
  const where = new Conditions().add('u.id = ?', id).maybe('u.customer_id = ?', customerId);
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM ${USER_FROM} ${where.sql}`,
    where.params,
  );
  if (!rows[0]) throw notFound('User', `No user with ID ${id}`);
  return toDto(rows[0]);
}

/**
 * Locks the customer row so concurrent creations can't both take the last seat. The count is read
 * by a second statement, after the lock is ours: under READ COMMITTED that statement sees every
 * user the previous lock holder committed (a join in the locking statement itself would not).
 */
async function assertSeatAvailable(tx: Queryable, customerId: number): Promise<void> {
  const locked = await tx.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [customerId]);
  if (locked.rowCount === 0) throw notFound('Customer', `No customer with ID ${customerId}`);
  const { rows } = await tx.query<{ name: string; max_users: number; active_user_count: number }>(
    `SELECT c.name, c.max_users, k.active_user_count
       FROM customers c JOIN customer_counters k ON k.customer_id = c.id
      WHERE c.id = $1`,
    [customerId],
  );
  const c = rows[0]!;
  if (c.active_user_count >= c.max_users) {
    throw conflict(
      'User limit reached',
      `${c.name} allows at most ${c.max_users} active users. Deactivate a user or raise Max users.`,
    );
  }
}

/** Who changes users: a caller (its role decides what it may do) recorded in the audit log as the actor. */
type UserAdmin = Pick<Caller, 'id' | 'role' | 'customerId'> & Actor;

export async function createUser(db: Db, caller: UserAdmin, input: CreateUserInput): Promise<UserDto> {
  const customerId = customerOfNewUser(caller, input);
  const passwordHash = await hashPassword(input.password);
  try {
    const id = await db.transaction(async (tx) => {
      if (customerId !== null) await assertSeatAvailable(tx, customerId);
      const { rows } = await tx.query<{ id: number }>(
        'INSERT INTO users (username, password_hash, role, customer_id, email) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [input.username, passwordHash, input.role, customerId, input.email ?? null],
      );
      const id = rows[0]!.id;
      await recordAudit(tx, {
        action: 'user.created',
        actor: caller,
        customerId,
        target: { type: 'user', id },
        after: { username: input.username, role: input.role, customerId },
      });
      return id;
    });
    return getUser(db, id, undefined);
  } catch (err) {
    if (isPgError(err, '23505')) throw conflict('Username already exists', `The username "${input.username}" is taken`);
    throw err;
  }
}

/**
 * Applies a role, active or password change and records each one. Every change that alters what a
 * user may do, or how they prove who they are, ends the user's sessions in the same transaction:
 * a role change, a deactivation, a new password (an admin resetting their own keeps the session
 * they made the change in).
 */
export async function updateUser(db: Db, caller: UserAdmin & { sessionId?: number | null }, id: number, customerId: number | undefined, patch: UpdateUserInput): Promise<UserDto> {
  const target = await getUser(db, id, customerId);
  assertMayChangeUser(caller, target, patch);
  if (patch.monthlyCreditLimit !== undefined && target.customerId === null) {
    throw badRequest('No monthly limit for platform users', { monthlyCreditLimit: 'Only users of a customer run look-ups; leave it out for this user' });
  }
  const passwordHash = patch.password ? await hashPassword(patch.password) : null;
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ role: Role; active: boolean }>('SELECT role, active FROM users WHERE id = $1 FOR UPDATE', [id]);
    const before = rows[0];
    if (!before) throw notFound('User', `No user with ID ${id}`);
    if (patch.active === true && !before.active && target.customerId !== null) {
      await assertSeatAvailable(tx, target.customerId);
    }
    await tx.query(
      `UPDATE users SET role = COALESCE($2, role), active = COALESCE($3, active),
              password_hash = COALESCE($4, password_hash),
              monthly_credit_limit = CASE WHEN $5 THEN $6::integer ELSE monthly_credit_limit END,
              email = CASE WHEN $7 THEN $8::text ELSE email END
        WHERE id = $1`,
      [id, patch.role ?? null, patch.active ?? null, passwordHash, patch.monthlyCreditLimit !== undefined, patch.monthlyCreditLimit ?? null, patch.email !== undefined, patch.email ?? null],
    );
    const event = { actor: caller, customerId: target.customerId, target: { type: 'user' as const, id } };
    if (patch.role !== undefined && patch.role !== before.role) {
      const sessionsEnded = await endUserSessions(tx, id, 'role_changed');
      await recordAudit(tx, { ...event, action: 'user.role_changed', before: { role: before.role }, after: { role: patch.role, sessionsEnded } });
    }
    if (patch.active !== undefined && patch.active !== before.active) {
      const sessionsEnded = patch.active ? 0 : await endUserSessions(tx, id, 'deactivated');
      await recordAudit(tx, {
        ...event,
        action: patch.active ? 'user.activated' : 'user.deactivated',
        before: { active: before.active },
        after: { active: patch.active, sessionsEnded },
      });
    }
    if (passwordHash) {
      const sessionsEnded = await endUserSessions(tx, id, 'password_changed', id === caller.id ? (caller.sessionId ?? null) : null);
      await recordAudit(tx, { ...event, action: 'user.password_changed', after: { sessionsEnded, bySelf: id === caller.id } });
    }
  });
  return getUser(db, id, customerId);
}
