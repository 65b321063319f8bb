import 'server-only';
import { z } from 'zod';
import { DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '@/app/shared/webhooks';
import { idParam, idValue, isoTime, pageParams, pageSchema } from '../validation';

const webhookUrl = z
  .string({ error: 'URL is required' })
  .trim()
  .min(1, 'URL is required')
  .max(2048, 'URL is too long')
  .refine((s) => URL.canParse(s) && ['https:', 'http:'].includes(new URL(s).protocol), 'URL must be an https:// URL')
  .refine((s) => !URL.canParse(s) || (new URL(s).username === '' && new URL(s).password === ''), 'URL must not contain a user name or password');

const eventList = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `Each event must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }), {
    error: 'Events must be a list of event types',
  })
  .min(1, 'Choose at least one event')
  .transform((events) => [...new Set(events)]);

export const createWebhookSchema = z.strictObject({
  url: webhookUrl,
  events: eventList,
  customerId: idValue.optional(),
});
export type CreateWebhookInput = z.output<typeof createWebhookSchema>;

export const webhookListSchema = z.strictObject({
  customerId: idParam.optional(),
  ...pageParams,
});
export type WebhookListQuery = z.output<typeof webhookListSchema>;

export const deliveryListSchema = z.strictObject({
  status: z.enum(DELIVERY_STATUSES, { error: `Status must be one of ${DELIVERY_STATUSES.join(', ')}` }).optional(),
  ...pageParams,
});
export type DeliveryListQuery = z.output<typeof deliveryListSchema>;

/** Deliveries are many (one per event and endpoint): ids beyond int4. */
const bigId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'Must be a positive whole number')
  .transform(Number);

export const deliveryParams = z.object({ id: idParam, deliveryId: bigId });

// --- answers -------------------------------------------------------------------------------------

export const webhookDtoSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  events: z.array(z.string()),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  enabled: z.boolean(),
  disabledAt: isoTime.nullable(),
  failingSince: isoTime.nullable(),
  createdBy: z.string().nullable(),
  createdAt: isoTime,
});

export const deliveryDtoSchema = z.object({
  id: z.number().int(),
  webhookId: z.number().int(),
  eventId: z.number().int(),
  eventType: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: isoTime.nullable(),
  nextAttemptAt: isoTime.nullable(),
  createdAt: isoTime,
});

export const createdWebhookResponse = z.object({
  webhook: webhookDtoSchema,
  secret: z.string().regex(/^whsec_/),
});
export const webhookResponse = z.object({ webhook: webhookDtoSchema });
export const webhookPageResponse = pageSchema(webhookDtoSchema);
export const deliveryResponse = z.object({ delivery: deliveryDtoSchema });
export const deliveryPageResponse = pageSchema(deliveryDtoSchema);
