import 'server-only';
import type { Caller } from './caller';
import type { Role } from './roles';

/**
 * Who may do what, as data. `any`: every customer; `own`: only the caller's own customer.
 * Route handlers declare the permission they need; the UI hides controls from the same table.
 */
export type Scope = 'any' | 'own';

interface PermissionRule {
  roles: Partial<Record<Role, Scope>>;
  /** The 403 a caller without the role gets. */
  forbidden: { error: string; details: string };
  /** Open to a user whose role must enrol in two-factor sign-in (REQUIRE_2FA_ROLES) before they have. */
  beforeEnrolment?: true;
  /**
   * Only for a person signed in (a session): no API key can hold it. A user's own sessions and
   * second factor are theirs, and keys are made only by someone who passed the sign-in's checks.
   */
  sessionOnly?: true;
}

const adminOnly = (details: string) => ({ error: 'Forbidden - Admin access required', details });

export const PERMISSIONS = {
  'credits.add': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to add credits'),
  },
  'credits.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to view credit transactions'),
  },
  'credits.void': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to void credit grants'),
  },
  'credits.deduct': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to deduct credits'),
  },
  'credits.bulk': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to grant credits in bulk'),
  },
  'credits.approve': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to approve or reject grants'),
  },
  'credits.verify': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to verify the ledger'),
  },
  'customers.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to view customers'),
  },
  'customers.create': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to create customers'),
  },
  'customers.update': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to edit customers'),
  },
  'customers.alerts': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly("You must be a SUPER_ADMIN or CUSTOMER_ADMIN to set a customer's low-balance threshold"),
  },
  'users.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to view users'),
  },
  'users.manage': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to manage users'),
  },
  'searches.run': {
    roles: { CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'Look-ups are run by the users of a customer account' },
  },
  'searches.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'You cannot view look-ups' },
  },
  'searches.usage': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'You cannot view look-up usage' },
  },
  'prices.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly("You must be a SUPER_ADMIN or CUSTOMER_ADMIN to view a customer's prices"),
  },
  'prices.manage': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to manage look-up prices'),
  },
  'billing.packs.manage': {
    roles: { SUPER_ADMIN: 'any' },
    forbidden: adminOnly('You must be a SUPER_ADMIN to manage credit packs'),
  },
  'billing.packs.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'You cannot view credit packs' },
  },
  'billing.buy': {
    roles: { CUSTOMER_ADMIN: 'own' },
    forbidden: { error: 'Forbidden', details: 'Credits are bought by the CUSTOMER_ADMINs of a customer account' },
  },
  'billing.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to view billing'),
  },
  'account.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'You cannot view this account' },
  },
  'account.sessions': {
    roles: { SUPER_ADMIN: 'own', CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'You cannot manage sessions' },
    sessionOnly: true,
  },
  'account.two_factor': {
    roles: { SUPER_ADMIN: 'own', CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'You cannot manage two-factor sign-in' },
    beforeEnrolment: true,
    sessionOnly: true,
  },
  'audit.read': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to view the audit log'),
  },
  'webhooks.manage': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to manage webhooks'),
  },
  'account.notifications': {
    roles: { SUPER_ADMIN: 'own', CUSTOMER_ADMIN: 'own', USER: 'own' },
    forbidden: { error: 'Forbidden', details: 'You cannot view notifications' },
    // A person's own inbox (the header's bell), like their sessions: a key has no one to notify.
    sessionOnly: true,
  },
  'api_keys.manage': {
    roles: { SUPER_ADMIN: 'any', CUSTOMER_ADMIN: 'own' },
    forbidden: adminOnly('You must be a SUPER_ADMIN or CUSTOMER_ADMIN to manage API keys'),
    sessionOnly: true,
  },
} satisfies Record<string, PermissionRule>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function scopeOf(role: Role, permission: Permission): Scope | undefined {
  return (PERMISSIONS[permission].roles as Partial<Record<Role, Scope>>)[role];
}

/** Whether an API key may hold the permission at all. */
export const keyMayHold = (permission: Permission) => (PERMISSIONS[permission] as PermissionRule).sessionOnly !== true;

/**
 * A caller's reach for a permission: their role's, and for an API key only if the key holds it
 * (a key's role is the one it acts as: see auth/api-keys).
 */
export function callerScope(caller: Pick<Caller, 'role' | 'apiKey'>, permission: Permission): Scope | undefined {
  if (caller.apiKey && !caller.apiKey.permissions.includes(permission)) return undefined;
  return scopeOf(caller.role, permission);
}

/** The 403 for a caller without the permission: the table's words, or the key's. */
export function forbiddenFor(caller: Pick<Caller, 'apiKey'>, permission: Permission): { error: string; details: string } {
  if (caller.apiKey) return { error: 'Forbidden - API key lacks permission', details: `This API key does not have the ${permission} permission` };
  return PERMISSIONS[permission].forbidden;
}

/** Whether a caller who must still enrol in two-factor sign-in may use it (the enrolment itself). */
export function opensBeforeEnrolment(permission: Permission): boolean {
  return (PERMISSIONS[permission] as PermissionRule).beforeEnrolment === true;
}

export function can(role: Role, permission: Permission): boolean {
  return scopeOf(role, permission) !== undefined;
}

/** A role's permissions as the UI receives them once: permission → scope, for the ones it has. */
export function permissionMap(role: Role): Partial<Record<Permission, Scope>> {
  const out: Partial<Record<Permission, Scope>> = {};
  for (const p of PERMISSION_NAMES) {
    const scope = scopeOf(role, p);
    if (scope) out[p] = scope;
  }
  return out;
}
