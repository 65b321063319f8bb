/**
 * What the audit log records, by action name (dotted: domain.what_happened), with the words the
 * Audit log tab shows for each: plain values, safe to import on either side.
 */
export const AUDIT_ACTION_LABELS = {
  'auth.sign_in': 'Signed in',
  'auth.sign_in_failed': 'Sign-in failed',
  'auth.sign_in_blocked': 'Sign-ins blocked (too many attempts)',
  'auth.sign_out': 'Signed out',
  'session.revoked': 'Session ended',
  'two_factor.enabled': 'Two-factor enabled',
  'two_factor.disabled': 'Two-factor disabled',
  'two_factor.recovery_code_used': 'Recovery code used',
  'user.created': 'User created',
  'user.role_changed': 'Role changed',
  'user.activated': 'User activated',
  'user.deactivated': 'User deactivated',
  'user.password_changed': 'Password changed',
  'customer.created': 'Customer created',
  'customer.updated': 'Customer edited',
  'credits.added': 'Credits added',
  'credits.deducted': 'Credits deducted',
  'credits.voided': 'Grant voided',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'bootstrap.admin_created': 'Bootstrap admin created',
  'bootstrap.admin_updated': 'Bootstrap admin updated',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;
export const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_LABELS) as AuditAction[];
export const AUDIT_TARGET_TYPES = ['user', 'customer', 'session', 'credit_transaction', 'api_key'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];
