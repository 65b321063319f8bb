/**
 * Facts about credits that the server enforces and the UI states (limits in hints, types in
 * filters): plain values, safe to import on either side.
 */
export const MAX_CREDITS_PER_TRANSACTION = 10_000;
export const MAX_DESCRIPTION_LENGTH = 500;

export const TRANSACTION_TYPES = ['purchase', 'admin_grant', 'usage', 'refund', 'adjustment'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];
