import 'server-only';

/**
 * The credits domain's entry point (the guide names this file). The ledger itself lives in
 * `credits/`: the balance-moving primitives, grants and allocations, the admin operations (add,
 * void, deduct), expiry, the audit trail, summaries and tamper evidence.
 */
export * from './credits/ledger';
export * from './credits/admin';
export * from './credits/corrections';
export * from './credits/grants';
export * from './credits/expiry';
export * from './credits/transactions';
export * from './credits/summary';
export * from './credits/verify';
export * from './credits/take-back';
export * from './credits/balance-kinds';
export type { AddCreditsInput, DeductCreditsInput, TransactionFilter, TransactionType } from './credits/schemas';
