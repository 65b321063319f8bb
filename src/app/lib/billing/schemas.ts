import 'server-only';
import { z } from 'zod';
import { PURCHASE_KINDS, PURCHASE_STATUSES } from '@/app/shared/billing';
import { idParam, idValue, pageParams, pageSchema } from '../validation';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));

const wholeNumber = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`)
    .max(max, `${name} must be from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`);

const packFields = {
  name: z.string({ error: 'Name is required' }).trim().min(1, 'Name is required').max(100, 'Name must be at most 100 characters'),
  credits: wholeNumber('Credits', 1, 1_000_000),
  /** Minor units (cents), as Stripe takes them. */
  unitAmount: wholeNumber('unitAmount', 1, 99_999_999),
  currency: z
    .string({ error: 'Currency is required' })
    .trim()
    .toLowerCase()
    .refine((c) => /^[a-z]{3}$/.test(c) && CURRENCIES.has(c), 'Currency must be an ISO 4217 code such as usd or eur'),
};

/** POST /api/admin/credit-packs. */
export const createPackSchema = z.strictObject(packFields);
export type CreatePackInput = z.output<typeof createPackSchema>;

/** PATCH /api/admin/credit-packs/{id}: any of the fields, and `active`. */
export const updatePackSchema = z
  .strictObject({ ...packFields, active: z.boolean({ error: 'active must be true or false' }) })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Nothing to update: send at least one field');
export type UpdatePackInput = z.output<typeof updatePackSchema>;

/** POST /api/billing/checkout. */
export const checkoutSchema = z.strictObject({ packId: idValue });

/** PUT /api/billing/auto-top-up. Turning it on needs a threshold, a pack and a monthly limit (given now or saved before). */
export const autoTopUpSchema = z.strictObject({
  enabled: z.boolean({ error: 'enabled must be true or false' }),
  thresholdCredits: wholeNumber('thresholdCredits', 0, 1_000_000).optional(),
  packId: idValue.optional(),
  monthlyLimit: wholeNumber('monthlyLimit', 1, 100).optional(),
});
export type AutoTopUpInput = z.output<typeof autoTopUpSchema>;

/** GET /api/billing/purchases. */
export const purchaseListSchema = z.strictObject({
  customerId: idParam.optional(),
  status: z.enum(PURCHASE_STATUSES, { error: `Must be one of ${PURCHASE_STATUSES.join(', ')}` }).optional(),
  ...pageParams,
});
export type PurchaseListQuery = z.output<typeof purchaseListSchema>;

/** `?customerId=` of the billing reads: a SUPER_ADMIN names the customer, a CUSTOMER_ADMIN reads their own. */
export const customerQuerySchema = z.strictObject({ customerId: idParam.optional() });

// ---- Answers (the API reference documents them; its test checks live answers against them) ----

const packDto = z.object({
  id: z.number().int(),
  name: z.string(),
  credits: z.number().int(),
  unitAmount: z.number().int(),
  currency: z.string(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const packResponse = z.object({ pack: packDto });
export const packListResponse = z.object({ packs: z.array(packDto) });

const purchaseDto = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  customerName: z.string(),
  kind: z.enum(PURCHASE_KINDS),
  status: z.enum(PURCHASE_STATUSES),
  packId: z.number().int().nullable(),
  packName: z.string(),
  credits: z.number().int(),
  unitAmount: z.number().int(),
  currency: z.string(),
  amountFormatted: z.string(),
  receiptNumber: z.string().nullable(),
  paymentIntentId: z.string().nullable(),
  transactionId: z.number().int().nullable(),
  amountRefunded: z.number().int(),
  creditsTakenBack: z.number().int(),
  refundShortfall: z.number().int(),
  refundState: z.enum(['none', 'partial', 'full']),
  problem: z.string().nullable(),
  createdAt: z.string(),
  paidAt: z.string().nullable(),
});
export const purchasePageResponse = pageSchema(purchaseDto);
export const purchaseResponse = z.object({
  purchase: purchaseDto.extend({
    refunds: z.array(
      z.object({
        id: z.number().int(),
        amount: z.number().int(),
        amountRefunded: z.number().int(),
        creditsTakenBack: z.number().int(),
        shortfall: z.number().int(),
        transactionId: z.number().int().nullable(),
        createdAt: z.string(),
      }),
    ),
  }),
});
export const checkoutResponse = z.object({ url: z.string(), purchaseId: z.number().int() });

const autoTopUpDto = z.object({
  enabled: z.boolean(),
  thresholdCredits: z.number().int(),
  packId: z.number().int().nullable(),
  monthlyLimit: z.number().int(),
  state: z.enum(['armed', 'due', 'charging', 'spent']),
  card: z.object({ brand: z.string().nullable(), last4: z.string().nullable() }).nullable(),
  consecutiveFailures: z.number().int(),
  disabledReason: z.string().nullable(),
  chargesThisMonth: z.number().int(),
  nextAttemptAt: z.string().nullable(),
});
export const autoTopUpResponse = z.object({ autoTopUp: autoTopUpDto, url: z.string().optional() });

export const overviewResponse = z.object({
  customerId: z.number().int(),
  buyingEnabled: z.boolean(),
  balance: z.number().int(),
  paid: z.number().int(),
  promotional: z.number().int(),
  expiringSoon: z.object({ days: z.number().int(), credits: z.number().int(), grants: z.number().int(), next: z.string().nullable() }),
  autoTopUp: autoTopUpDto,
  alerts: z.array(
    z.object({
      id: z.number().int(),
      customerId: z.number().int(),
      purchaseId: z.number().int().nullable(),
      kind: z.string(),
      message: z.string(),
      createdAt: z.string(),
    }),
  ),
});
