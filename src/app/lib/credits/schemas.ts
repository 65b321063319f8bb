import 'server-only';
import { z } from 'zod';
import { MAX_CREDITS_PER_TRANSACTION, MAX_DESCRIPTION_LENGTH, TRANSACTION_TYPES } from '@/app/shared/credits';
import { idParam, idValue, isoDate, isoTime, orderParam, pageParams, pageSchema } from '../validation';

export { TRANSACTION_TYPES, type TransactionType } from '@/app/shared/credits';

/** The guide's add-credits body. Strings are not numbers here: "100" is rejected, not coerced. */
export const addCreditsSchema = z.strictObject({
  customerId: idValue,
  amount: z
    .number({ error: 'Amount must be a number' })
    .int('Amount must be a whole number of credits')
    .min(1, 'Amount must be at least 1')
    .max(MAX_CREDITS_PER_TRANSACTION, 'Maximum 10,000 credits exceeded'),
  description: z
    .string({ error: 'Description is required' })
    .trim()
    .min(1, 'Description is required')
    .max(MAX_DESCRIPTION_LENGTH, `Description must be at most ${MAX_DESCRIPTION_LENGTH} characters`),
});
export type AddCreditsInput = z.output<typeof addCreditsSchema>;

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
