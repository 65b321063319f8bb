import 'server-only';
import { z } from 'zod';
import { isoTime, pageParams, pageSchema } from '../validation';

export const notificationListSchema = z.strictObject({
  unread: z.enum(['true', 'false'], { error: 'Must be true or false' }).transform((s) => s === 'true').optional(),
  ...pageParams,
});
export type NotificationListQuery = z.output<typeof notificationListSchema>;

export const markReadSchema = z.strictObject({
  /** Omitted: every notification of the caller. */
  ids: z.array(z.number().int().positive(), { error: 'ids must be a list of notification ids' }).max(500, 'At most 500 ids at once').optional(),
});
export type MarkReadInput = z.output<typeof markReadSchema>;

export const notificationDtoSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  title: z.string(),
  message: z.string(),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
  readAt: isoTime.nullable(),
});

export const notificationPageResponse = pageSchema(notificationDtoSchema).extend({ unreadCount: z.number().int() });
export const unreadResponse = z.object({ unreadCount: z.number().int() });
