import { describe, expect, it } from 'vitest';
import { accessOf } from '@/app/lib/auth/access';
import { PERMISSIONS, permissionMap, scopeOf } from '@/app/lib/auth/permissions';
import { assertMayChangeUser, customerOfNewUser, rolesOnChange, rolesOnCreate } from '@/app/lib/auth/policies';
import { ROLES } from '@/app/lib/auth/roles';
import { resolveTenant } from '@/app/lib/http/door';
import { AppError } from '@/app/lib/errors';

const superAdmin = { id: 1, role: 'SUPER_ADMIN' as const, customerId: null };
const tenantAdmin = { id: 2, role: 'CUSTOMER_ADMIN' as const, customerId: 7 };

const status = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.status : 'threw';
  }
};

describe('scope resolution', () => {
  it('reads the permissions table: SUPER_ADMIN any, CUSTOMER_ADMIN own, USER none for credits.add', () => {
    expect(scopeOf('SUPER_ADMIN', 'credits.add')).toBe('any');
    expect(scopeOf('CUSTOMER_ADMIN', 'credits.add')).toBe('own');
    expect(scopeOf('USER', 'credits.add')).toBeUndefined();
  });

  it("a role's map for the UI holds exactly the permissions the table grants it", () => {
    for (const role of ROLES) {
      const granted = Object.keys(PERMISSIONS).filter((p) => scopeOf(role, p as keyof typeof PERMISSIONS));
      expect(Object.keys(permissionMap(role)).sort()).toEqual(granted.sort());
      expect(accessOf({ role }).permissions).toEqual(permissionMap(role));
    }
  });
});

describe('tenant resolution', () => {
  it('an `any` caller gets what it asked for, or every customer when it names none', () => {
    expect(resolveTenant(superAdmin, 'any', 42, 'view')).toBe(42);
    expect(resolveTenant(superAdmin, 'any', undefined, 'view')).toBeUndefined();
  });

  it('an `own` caller is pinned to its customer and refused another one with 403', () => {
    expect(resolveTenant(tenantAdmin, 'own', undefined, 'view')).toBe(7);
    expect(resolveTenant(tenantAdmin, 'own', 7, 'view')).toBe(7);
    expect(() => resolveTenant(tenantAdmin, 'own', 8, 'add credits to')).toThrow(
      expect.objectContaining({ details: 'You can only add credits to your own customer account' }),
    );
    expect(status(() => resolveTenant(tenantAdmin, 'own', 8, 'view'))).toBe(403);
  });
});

describe('user policies', () => {
  it('only a platform admin may create a SUPER_ADMIN, and offers roles least privilege first', () => {
    expect(rolesOnCreate('SUPER_ADMIN')).toEqual(['USER', 'CUSTOMER_ADMIN', 'SUPER_ADMIN']);
    expect(rolesOnCreate('CUSTOMER_ADMIN')).toEqual(['USER', 'CUSTOMER_ADMIN']);
    expect(rolesOnCreate('USER')).toEqual([]);
    expect(status(() => customerOfNewUser(tenantAdmin, { role: 'SUPER_ADMIN' }))).toBe(403);
  });

  it('places a new user: SUPER_ADMINs in no customer, tenant users in the named (platform) or own (tenant) one', () => {
    expect(customerOfNewUser(superAdmin, { role: 'SUPER_ADMIN' })).toBeNull();
    expect(status(() => customerOfNewUser(superAdmin, { role: 'SUPER_ADMIN', customerId: 5 }))).toBe(400);
    expect(customerOfNewUser(superAdmin, { role: 'USER', customerId: 5 })).toBe(5);
    expect(status(() => customerOfNewUser(superAdmin, { role: 'USER' }))).toBe(400);
    expect(customerOfNewUser(tenantAdmin, { role: 'USER' })).toBe(7);
    expect(status(() => customerOfNewUser(tenantAdmin, { role: 'USER', customerId: 8 }))).toBe(403);
  });

  it('role changes move only between tenant roles, and nobody changes or deactivates themselves', () => {
    expect(rolesOnChange('CUSTOMER_ADMIN')).toEqual(['USER', 'CUSTOMER_ADMIN']);
    expect(rolesOnChange('USER')).toEqual([]);
    expect(status(() => assertMayChangeUser(tenantAdmin, { id: 9, role: 'USER' }, { role: 'CUSTOMER_ADMIN' }))).toBe('ok');
    expect(status(() => assertMayChangeUser(superAdmin, { id: 9, role: 'USER' }, { role: 'SUPER_ADMIN' }))).toBe(400);
    expect(status(() => assertMayChangeUser(superAdmin, { id: 9, role: 'SUPER_ADMIN' }, { role: 'USER' }))).toBe(400);
    expect(status(() => assertMayChangeUser(tenantAdmin, { id: 2, role: 'CUSTOMER_ADMIN' }, { active: false }))).toBe(409);
    expect(status(() => assertMayChangeUser(tenantAdmin, { id: 2, role: 'CUSTOMER_ADMIN' }, { role: 'USER' }))).toBe(409);
    expect(status(() => assertMayChangeUser(tenantAdmin, { id: 2, role: 'CUSTOMER_ADMIN' }, { role: 'CUSTOMER_ADMIN' }))).toBe('ok');
  });
});
