import 'server-only';
import { z } from 'zod';
import { idParam, isoTime, pageParams, pageSchema } from '../validation';

export const SEARCH_TYPES = ['keyword', 'profile'] as const;

/** `keyword`: search Roblox users by name; `profile`: one user's profile by numeric id. */
export const searchSchema = z
  .strictObject({
    query: z.string({ error: 'Query is required' }).trim().min(1, 'Query is required').max(50, 'Query must be at most 50 characters'),
    type: z.enum(SEARCH_TYPES, { error: 'Type must be keyword or profile' }).default('keyword'),
  })
  .refine((v) => v.type !== 'profile' || (/^[1-9][0-9]{0,15}$/.test(v.query) && Number.isSafeInteger(Number(v.query))), {
    message: 'A profile look-up needs a numeric Roblox user ID',
    path: ['query'],
  });
export type SearchInput = z.output<typeof searchSchema>;

export const searchHistorySchema = z.strictObject({
  userId: idParam.optional(),
  customerId: idParam.optional(),
  ...pageParams,
});
export type SearchHistoryQuery = z.output<typeof searchHistorySchema>;

// --- answers -------------------------------------------------------------------------------------

export const searchResultResponse = z.object({
  type: z.enum(SEARCH_TYPES),
  searchId: z.number().int(),
  query: z.string(),
  creditsCharged: z.number().int(),
  balance: z.number().int(),
});

export const searchDtoSchema = z.object({
  id: z.number().int(),
  userId: z.number().int(),
  username: z.string(),
  query: z.string(),
  type: z.enum(SEARCH_TYPES),
  status: z.enum(['pending', 'success', 'failed', 'refunded', 'rejected']),
  resultCount: z.number().int().nullable(),
  creditsCharged: z.number().int(),
  durationMs: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: isoTime,
});
export const searchPageResponse = pageSchema(searchDtoSchema);
