'use client';

import { createContext, useContext, type ReactNode } from 'react';
import type { Access } from '@/app/lib/auth/access';
import type { Permission, Scope } from '@/app/lib/auth/permissions';

const AccessContext = createContext<Access | null>(null);

/** The caller's permissions, computed on the server from the one permissions table (lib/auth). */
export function AccessProvider({ access, children }: { access: Access; children: ReactNode }) {
  return <AccessContext.Provider value={access}>{children}</AccessContext.Provider>;
}

export function useAccess() {
  const access = useContext(AccessContext);
  if (!access) throw new Error('useAccess() outside <AccessProvider>');
  return {
    ...access,
    scope: (permission: Permission): Scope | undefined => access.permissions[permission],
    can: (permission: Permission) => access.permissions[permission] !== undefined,
  };
}

/** Renders its children only for callers who hold the permission (at the given scope, if one is named). */
export function Can({ permission, scope, children }: { permission: Permission; scope?: Scope; children: ReactNode }) {
  const held = useAccess().scope(permission);
  return held && (!scope || held === scope) ? <>{children}</> : null;
}
