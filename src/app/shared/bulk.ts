/** Facts about bulk grants and approvals both sides state: plain values, safe to import anywhere. */
export const MAX_BULK_ROWS = 10_000;
export const BULK_COLUMNS = ['customerId', 'amount', 'description', 'expiresAt', 'category'] as const;
export const REQUIRED_BULK_COLUMNS = ['customerId', 'amount', 'description'] as const;
export const BATCH_STATUSES = ['pending_approval', 'running', 'done'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const BULK_ROW_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export const APPROVAL_DAYS = 7;
