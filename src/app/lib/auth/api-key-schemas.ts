import 'server-only';
import { z } from 'zod';
import { idParam, idValue, instant, isoTime, pageParams, pageSchema } from '../validation';
import { PERMISSION_NAMES, type Permission } from './permissions';

const permission = z.enum(PERMISSION_NAMES as [Permission, ...Permission[]], {
  error: `Each permission must be one of ${PERMISSION_NAMES.join(', ')}`,
});

/** POST /api/admin/api-keys. No customerId (or null): a platform key, for SUPER_ADMINs. */
export const createApiKeySchema = z.strictObject({
  name: z.string({ error: 'Name is required' }).trim().min(1, 'Name is required').max(100, 'Name must be at most 100 characters'),
  customerId: idValue.nullable().optional(),
  permissions: z
    .array(permission, { error: 'Permissions must be a list of permission names' })
    .min(1, 'Give the key at least one permission')
    .refine((ps) => new Set(ps).size === ps.length, 'Each permission may be listed once'),
  expiresAt: instant('expiresAt must be an ISO-8601 date and time with a zone, e.g. 2026-01-31T12:00:00Z')
    .refine((d) => d.getTime() > Date.now(), 'expiresAt must be in the future')
    .nullable()
    .optional(),
});
export type CreateApiKeyInput = z.output<typeof createApiKeySchema>;

export const apiKeyListSchema = z.strictObject({
  ...pageParams,
  customerId: idParam.optional(),
});
export type ApiKeyListQuery = z.output<typeof apiKeyListSchema>;

export const apiKeyDto = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  permissions: z.array(z.string()),
  createdAt: isoTime,
  createdBy: z.object({ id: z.number().int(), username: z.string() }),
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
export type ApiKeyDto = z.output<typeof apiKeyDto>;

export const createApiKeyResponse = z.object({ apiKey: apiKeyDto, key: z.string().describe('The secret: shown only in this answer') });
export const apiKeyResponse = z.object({ apiKey: apiKeyDto });
export const apiKeyListResponse = pageSchema(apiKeyDto);
