import 'server-only';
import { z } from 'zod';
import { PURCHASE_STATUSES } from '@/app/shared/billing';
import { idParam, idValue, pageParams } from '../validation';

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
