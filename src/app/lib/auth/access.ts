import 'server-only';
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
}

export function accessOf(caller: Pick<Caller, 'role'>): Access {
  return {
    permissions: permissionMap(caller.role),
    rolesOnCreate: rolesOnCreate(caller.role),
    rolesOnChange: rolesOnChange(caller.role),
    platformRoles: [...PLATFORM_ROLES],
  };
}
