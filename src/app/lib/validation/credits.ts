import { z } from 'zod';
import { idParam, idValue, orderParam, pageParams } from './common';

export const MAX_CREDITS_PER_TRANSACTION = 10_000;
export const MAX_DESCRIPTION_LENGTH = 500;

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

export const TRANSACTION_TYPES = ['purchase', 'admin_grant', 'usage', 'refund', 'adjustment'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A real calendar date (2024-02-30 is refused, not rolled over), optionally with a time. */
function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m || Number.isNaN(Date.parse(s))) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

const isoDate = z.string().refine(isIsoDate, 'Must be an ISO-8601 date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z');
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
