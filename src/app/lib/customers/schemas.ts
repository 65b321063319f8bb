import 'server-only';
import { z } from 'zod';
import { isoTime, orderParam, pageParams, pageSchema } from '../validation';

const name = z
  .string({ error: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(200, 'Name must be at most 200 characters');
const status = z.enum(['active', 'inactive'], { error: 'Status must be active or inactive' });
const contactEmail = z
  .string()
  .trim()
  .max(320, 'Contact email is too long')
  .pipe(z.email('Contact email must be a valid email address'))
  .nullable();
const maxUsers = z
  .number({ error: 'Max users must be a number' })
  .int('Max users must be a whole number')
  .min(1, 'Max users must be at least 1')
  .max(100_000, 'Max users must be at most 100,000');
const logoUrl = z
  .string()
  .trim()
  .max(2048, 'Logo URL is too long')
  .regex(/^[^\s\u0000-\u001f\u007f]*$/, 'Logo URL may not contain spaces or control characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'Logo URL must be an http(s) URL' }))
  .nullable();

// null: the platform default (LOW_BALANCE_THRESHOLD); 0 turns the alert off.
const lowBalanceThreshold = z
  .number({ error: 'Low-balance threshold must be a number' })
  .int('Low-balance threshold must be a whole number')
  .min(0, 'Low-balance threshold must be at least 0')
  .max(1_000_000_000, 'Low-balance threshold must be at most 1,000,000,000')
  .nullable();

export const createCustomerSchema = z.strictObject({
  name,
  status: status.optional(),
  contactEmail: contactEmail.optional(),
  maxUsers: maxUsers.optional(),
  logoUrl: logoUrl.optional(),
  lowBalanceThreshold: lowBalanceThreshold.optional(),
});
export type CreateCustomerInput = z.output<typeof createCustomerSchema>;

export const updateCustomerSchema = createCustomerSchema
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Nothing to update: send at least one field');
export type UpdateCustomerInput = z.output<typeof updateCustomerSchema>;

/** PUT …/low-balance-threshold: the one field a customer's own admins may set. */
export const lowBalanceThresholdSchema = z.strictObject({ lowBalanceThreshold });

/** Sortable columns of the Customers table (customer_stats column names). */
export const CUSTOMER_SORTS = [
  'id',
  'name',
  'status',
  'created_at',
  'user_count',
  'credit_balance',
  'total_credits_purchased',
  'total_credits_used',
  'total_searches',
] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

export const customerListSchema = z.strictObject({
  search: z.string().trim().max(100, 'Search must be at most 100 characters').optional(),
  status: status.optional(),
  sort: z.enum(CUSTOMER_SORTS, { error: `Sort must be one of ${CUSTOMER_SORTS.join(', ')}` }).optional(),
  order: orderParam,
  ...pageParams,
});
export type CustomerListQuery = z.output<typeof customerListSchema>;

// --- answers -------------------------------------------------------------------------------------

export const customerDtoSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.enum(['active', 'inactive']),
  contactEmail: z.string().nullable(),
  maxUsers: z.number().int(),
  logoUrl: z.string().nullable(),
  userCount: z.number().int(),
  activeUserCount: z.number().int(),
  totalSearches: z.number().int(),
  creditBalance: z.number().int(),
  totalCreditsPurchased: z.number().int(),
  totalCreditsUsed: z.number().int(),
  /** credits.low fires when a change takes the balance from at or above this to below it. */
  lowBalanceThreshold: z.number().int(),
  /** Whether it is the customer's own (false: the platform default). */
  lowBalanceThresholdIsCustom: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export const customerResponse = z.object({ customer: customerDtoSchema });
export const customerPageResponse = pageSchema(customerDtoSchema);
