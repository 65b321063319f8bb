import 'server-only';

/**
 * The credits domain's entry point (the guide names this file). The ledger itself lives in
 * `credits/`: the balance-moving primitives, the admin operations, the audit trail and summaries.
 */
export * from './credits/ledger';
export * from './credits/admin';
export * from './credits/transactions';
export * from './credits/summary';
export type { AddCreditsInput, TransactionFilter, TransactionType } from './credits/schemas';
