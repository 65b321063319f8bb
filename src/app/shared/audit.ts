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
  'credits.approval_requested': 'Grant approval requested',
  'credits.approval_approved': 'Grant approved',
  'credits.approval_rejected': 'Grant rejected',
  'credits.approval_expired': 'Grant approval expired',
  'credits.bulk_submitted': 'Bulk grant submitted',
  'billing.pack_created': 'Credit pack created',
  'billing.pack_updated': 'Credit pack edited',
  'billing.auto_top_up_changed': 'Auto top-up settings changed',
  'billing.card_saved': 'Card saved for auto top-up',
  'billing.amount_mismatch': 'Payment flagged (not the price asked)',
  'billing.payment_reused': 'Payment flagged (already credited)',
  'billing.refund': 'Payment refunded',
  'billing.refund_shortfall': 'Refund found credits spent',
  'billing.auto_top_up_failed': 'Auto top-up charge failed',
  'billing.auto_top_up_disabled': 'Auto top-up switched off',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'webhook.created': 'Webhook created',
  'webhook.deleted': 'Webhook deleted',
  'webhook.disabled': 'Webhook disabled (kept failing)',
  'webhook.enabled': 'Webhook enabled again',
  'bootstrap.admin_created': 'Bootstrap admin created',
  'bootstrap.admin_updated': 'Bootstrap admin updated',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;
export const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_LABELS) as AuditAction[];
export const AUDIT_TARGET_TYPES = ['user', 'customer', 'session', 'credit_transaction', 'grant_approval', 'bulk_batch', 'credit_pack', 'purchase', 'api_key', 'webhook'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];
