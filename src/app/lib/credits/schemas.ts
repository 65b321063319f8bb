import 'server-only';
import { z } from 'zod';
import {
  GRANT_CATEGORIES,
  GRANT_STATUSES,
  MAX_CREDITS_PER_TRANSACTION,
  MAX_DESCRIPTION_LENGTH,
  MAX_PRIORITY,
  MIN_PRIORITY,
  TRANSACTION_TYPES,
} from '@/app/shared/credits';
import { idParam, idValue, instant, isoDate, isoTime, orderParam, pageParams, pageSchema } from '../validation';

export { GRANT_CATEGORIES, TRANSACTION_TYPES, type GrantCategory, type TransactionType } from '@/app/shared/credits';

const amount = z
  .number({ error: 'Amount must be a number' })
  .int('Amount must be a whole number of credits')
  .min(1, 'Amount must be at least 1')
  .max(MAX_CREDITS_PER_TRANSACTION, 'Maximum 10,000 credits exceeded');

const text = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .trim()
    .min(1, `${name} is required`)
    .max(MAX_DESCRIPTION_LENGTH, `${name} must be at most ${MAX_DESCRIPTION_LENGTH} characters`);

/**
 * The guide's add-credits body, plus the optional grant terms. Strings are not numbers here: "100"
 * is rejected, not coerced. Without the optional fields the request and its answer are the guide's.
 */
export const addCreditsSchema = z.strictObject({
  customerId: idValue,
  amount,
  description: text('Description'),
  category: z.enum(GRANT_CATEGORIES, { error: `Category must be one of ${GRANT_CATEGORIES.join(', ')}` }).optional(),
  expiresAt: instant('expiresAt must be an ISO-8601 date and time with a zone, e.g. 2026-01-31T12:00:00Z')
    .refine((d) => d.getTime() > Date.now(), 'expiresAt must be in the future')
    .optional(),
  priority: z
    .number({ error: 'Priority must be a number' })
    .int('Priority must be a whole number')
    .min(MIN_PRIORITY, `Priority must be from ${MIN_PRIORITY} to ${MAX_PRIORITY}`)
    .max(MAX_PRIORITY, `Priority must be from ${MIN_PRIORITY} to ${MAX_PRIORITY}`)
    .optional(),
});
export type AddCreditsInput = z.output<typeof addCreditsSchema>;

/** POST /api/admin/credits/deduct. */
export const deductCreditsSchema = z.strictObject({
  customerId: idValue,
  amount,
  description: text('Description'),
});
export type DeductCreditsInput = z.output<typeof deductCreditsSchema>;

/** POST /api/admin/credits/transactions/{id}/void. */
export const voidSchema = z.strictObject({ reason: text('Reason') });
export type VoidInput = z.output<typeof voidSchema>;

/** `?at=` of GET /api/admin/customers/{id}/credits. */
export const balanceAtSchema = z.strictObject({
  at: instant('at must be an ISO-8601 date and time with a zone, e.g. 2026-01-31T12:00:00Z').optional(),
});

/** GET /api/admin/customers/{id}/grants. */
export const grantListSchema = z.strictObject({
  status: z.enum(GRANT_STATUSES, { error: `Must be one of ${GRANT_STATUSES.join(', ')}` }).optional(),
  ...pageParams,
});
export type GrantListQuery = z.output<typeof grantListSchema>;

export const verifySchema = z.strictObject({ customerId: idParam.optional() });

/** The `{ id }` of a transaction route: ledger ids are bigint, beyond an int's range one day. */
export const transactionIdParams = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'Must be a positive whole number')
    .transform(Number),
});

const DAY_MS = 86_400_000;

export const transactionFilterSchema = z.strictObject({
  customerId: idParam.optional(),
  userId: idParam.optional(),
  username: z.string().trim().min(1).max(64, 'Username is at most 64 characters').optional(),
  type: z.enum(TRANSACTION_TYPES, { error: `Must be one of ${TRANSACTION_TYPES.join(', ')}` }).optional(),
  source: z.enum(['manual_admin'], { error: 'Must be manual_admin' }).optional(),
  from: isoDate.transform((s) => new Date(s)).optional(),
  // Inclusive: a date alone means the whole of that day (UTC).
  to: isoDate.transform((s) => (s.length === 10 ? new Date(Date.parse(s) + DAY_MS - 1) : new Date(s))).optional(),
  order: orderParam,
  ...pageParams,
});
export type TransactionFilter = z.output<typeof transactionFilterSchema>;

// --- answers -------------------------------------------------------------------------------------

/** A ledger row as the guide's add response shows it. */
export const guideTransactionSchema = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  amount: z.number().int(),
  balanceBefore: z.number().int(),
  balanceAfter: z.number().int(),
  description: z.string(),
  createdAt: isoTime,
});
export const addCreditsResponse = z.object({ success: z.literal(true), message: z.string(), transaction: guideTransactionSchema });

export const transactionListItemSchema = guideTransactionSchema.extend({
  userId: z.number().int().nullable(),
  type: z.enum(TRANSACTION_TYPES),
  paymentId: z.string().nullable(),
  customerName: z.string(),
  username: z.string().nullable(),
});
export const transactionPageResponse = pageSchema(transactionListItemSchema);

export const creditSummaryResponse = z.object({
  customerId: z.number().int(),
  balance: z.number().int(),
  breakdown: z.record(z.string(), z.number().int()),
  history: z.array(z.object({ day: z.string(), balance: z.number().int() })),
});
