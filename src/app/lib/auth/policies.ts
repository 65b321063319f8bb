import 'server-only';
import { AppError, badRequest, forbidden } from '../errors';
import type { Caller } from './caller';
import { scopeOf } from './permissions';
import type { Role } from './roles';

/**
 * The rules about users that a permission alone can't say: who may hold which role, and what no
 * one may do to themselves. The server enforces them; the UI reads their outcome (`accessOf`).
 */

/** A SUPER_ADMIN is the platform's: it belongs to no customer and is never made by a role change. */
export const PLATFORM_ROLES: readonly Role[] = ['SUPER_ADMIN'];
/** Least privilege first: the order the UI offers them in. */
const BY_PRIVILEGE: readonly Role[] = ['USER', 'CUSTOMER_ADMIN', 'SUPER_ADMIN'];
const TENANT_ROLES = BY_PRIVILEGE.filter((r) => !PLATFORM_ROLES.includes(r));

/** Roles the caller may give a new user. */
export function rolesOnCreate(role: Role): Role[] {
  const scope = scopeOf(role, 'users.manage');
  return scope === 'any' ? [...BY_PRIVILEGE] : scope === 'own' ? [...TENANT_ROLES] : [];
}

/** Roles a role change may move between (on users the caller may manage). */
export function rolesOnChange(role: Role): Role[] {
  return scopeOf(role, 'users.manage') ? [...TENANT_ROLES] : [];
}

/** The customer a new user joins, or null for a platform user; refuses what the caller may not create. */
export function customerOfNewUser(caller: Pick<Caller, 'id' | 'role' | 'customerId'>, input: { role: Role; customerId?: number | null }): number | null {
  if (!rolesOnCreate(caller.role).includes(input.role)) {
    throw forbidden('Forbidden', 'Only a SUPER_ADMIN can create another SUPER_ADMIN');
  }
  if (PLATFORM_ROLES.includes(input.role)) {
    if (input.customerId != null) throw badRequest('A SUPER_ADMIN belongs to no customer', { customerId: 'Leave empty for SUPER_ADMIN' });
    return null;
  }
  if (scopeOf(caller.role, 'users.manage') === 'any') {
    if (input.customerId == null) throw badRequest('Customer is required', { customerId: 'Required for this role' });
    return input.customerId;
  }
  if (input.customerId != null && input.customerId !== caller.customerId) {
    throw forbidden('Forbidden', 'You can only create users in your own customer account');
  }
  return caller.customerId;
}

export function assertMayChangeUser(
  caller: Pick<Caller, 'id' | 'role' | 'customerId'>,
  target: { id: number; role: Role },
  patch: { role?: Role; active?: boolean },
): void {
  const roleChanges = patch.role !== undefined && patch.role !== target.role;
  if (roleChanges) {
    const allowed = rolesOnChange(caller.role);
    if (!allowed.includes(patch.role!) || !allowed.includes(target.role)) {
      throw badRequest('Role change not allowed', {
        role: 'SUPER_ADMIN is neither given nor taken by a role change; create a separate account',
      });
    }
  }
  if (target.id === caller.id && (patch.active === false || roleChanges)) {
    throw new AppError('conflict', 'You cannot change your own role or deactivate yourself', 'Ask another administrator');
  }
}
