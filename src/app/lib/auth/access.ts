import 'server-only';
import { grantablePermissions } from './api-keys';
import type { Caller } from './caller';
import { permissionMap, type Permission, type Scope } from './permissions';
import { PLATFORM_ROLES, rolesOnChange, rolesOnCreate } from './policies';
import type { Role } from './roles';

/**
 * What the UI may offer the caller, computed here from the permissions table and the policies and
 * sent to the client once: the client gates controls on it and never compares role strings.
 */
export interface Access {
  permissions: Partial<Record<Permission, Scope>>;
  rolesOnCreate: Role[];
  rolesOnChange: Role[];
  /** Roles that belong to no customer. */
  platformRoles: Role[];
  /** What the caller may give a new API key: a platform key (SUPER_ADMINs), a customer's key. */
  keyPermissions: { platform: Permission[]; customer: Permission[] };
}

export function accessOf(caller: Pick<Caller, 'role'>): Access {
  return {
    permissions: permissionMap(caller.role),
    rolesOnCreate: rolesOnCreate(caller.role),
    rolesOnChange: rolesOnChange(caller.role),
    platformRoles: [...PLATFORM_ROLES],
    keyPermissions: {
      platform: caller.role === 'SUPER_ADMIN' ? grantablePermissions(caller.role, null) : [],
      customer: grantablePermissions(caller.role, 0),
    },
  };
}
