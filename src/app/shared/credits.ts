/**
 * Facts about credits that the server enforces and the UI states (limits in hints, types in
 * filters): plain values, safe to import on either side.
 */
export const MAX_CREDITS_PER_TRANSACTION = 10_000;
export const MAX_DESCRIPTION_LENGTH = 500;

export const TRANSACTION_TYPES = ['purchase', 'admin_grant', 'usage', 'refund', 'adjustment', 'expiry', 'void', 'deduction'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** Rows that add credits: each one is a grant that debits draw on. */
export const GRANT_TYPES: readonly TransactionType[] = ['purchase', 'admin_grant', 'adjustment'];

export const GRANT_CATEGORIES = ['paid', 'promotional'] as const;
export type GrantCategory = (typeof GRANT_CATEGORIES)[number];
export const GRANT_STATUSES = ['active', 'spent', 'expired', 'voided'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

/** Lower is spent first. */
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 1000;
export const DEFAULT_PRIORITY = 100;

/** The breakdown of a balance, under the names the API, the lists and customer_stats share. */
export const BREAKDOWN_KEYS = ['purchased', 'paid', 'promotional', 'used', 'refunded', 'expired', 'voided', 'deducted'] as const;
export type Breakdown = Record<(typeof BREAKDOWN_KEYS)[number], number>;

/** How far ahead the customer page looks for expiring credits. */
export const EXPIRING_SOON_DAYS = 30;
