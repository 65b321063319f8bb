import 'server-only';
import { z } from 'zod';
import { MAX_KEYWORD_LENGTH, MAX_PRICE, MAX_USERNAMES, SEARCH_TYPES, USERNAME_PATTERN, type SearchType } from '@/app/shared/searches';
import { idParam, isoDate, isoTime, pageParams, pageSchema } from '../validation';

export { SEARCH_TYPES };

const TYPE_LIST = 'keyword, profile, groups or usernames';
const typeSchema = z.enum(SEARCH_TYPES, { error: `Type must be ${TYPE_LIST}` });

/** A Roblox user id: plain digits, no leading zero, at most 2^53 (JSON's safe integers). */
const USER_ID = /^[1-9][0-9]{0,15}$/;
/** Printable ASCII: Roblox names are ASCII, so nothing else can match. */
const ASCII = /^[\x20-\x7e]+$/;
/** More than 100 names of 20 characters with separators is refused before it is split. */
const MAX_RAW_QUERY = 4_000;

/** A valid look-up: `profile`/`groups` queries are a user id, `usernames` queries the names joined by ", ". */
export interface SearchInput {
  type: SearchType;
  query: string;
}

/** The names of a valid `usernames` query. */
export const usernamesOf = (query: string) => query.split(', ');

/**
 * `keyword`: Roblox users by name (≤ 50 characters); `profile` and `groups`: one user by numeric id;
 * `usernames`: up to 100 comma- or newline-separated usernames. Every malformed query is a 400
 * here, before anything is charged or recorded.
 */
export const searchSchema = z
  .strictObject({
    query: z.string({ error: 'Query is required' }).max(MAX_RAW_QUERY, 'Query is too long').trim().min(1, 'Query is required'),
    type: typeSchema.default('keyword'),
  })
  .transform((v, ctx): SearchInput => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message, path: ['query'] });
      return z.NEVER;
    };
    switch (v.type) {
      case 'keyword':
        if (v.query.length > MAX_KEYWORD_LENGTH) return fail(`Query must be at most ${MAX_KEYWORD_LENGTH} characters`);
        if (!ASCII.test(v.query)) return fail('Query may contain only Latin letters, digits, spaces and punctuation (Roblox names are ASCII)');
        return { type: 'keyword', query: v.query };
      case 'profile':
      case 'groups':
        if (!USER_ID.test(v.query) || !Number.isSafeInteger(Number(v.query))) {
          return fail(`A ${v.type} look-up needs a numeric Roblox user ID`);
        }
        return { type: v.type, query: v.query };
      case 'usernames': {
        const names = v.query.split(/[,\r\n]+/).map((n) => n.trim()).filter(Boolean);
        if (names.length === 0) return fail('Enter at least one username');
        if (names.length > MAX_USERNAMES) return fail(`At most ${MAX_USERNAMES} usernames per look-up (got ${names.length})`);
        const bad = names.filter((n) => !USERNAME_PATTERN.test(n));
        if (bad.length) return fail(`Not a Roblox username (3-20 letters, digits or _): ${bad.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}`);
        const counts = new Map<string, number>();
        for (const n of names) counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1);
        const dupes = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
        if (dupes.length) return fail(`Each username once, please: ${dupes.slice(0, 5).join(', ')} ${dupes.length === 1 ? 'appears' : 'appear'} more than once`);
        return { type: 'usernames', query: names.join(', ') };
      }
    }
  });

export const searchHistorySchema = z.strictObject({
  userId: idParam.optional(),
  customerId: idParam.optional(),
  type: typeSchema.optional(),
  ...pageParams,
});
export type SearchHistoryQuery = z.output<typeof searchHistorySchema>;

export const USAGE_GROUPS = ['user', 'type', 'day'] as const;

export const usageSchema = z
  .strictObject({
    customerId: idParam.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    groupBy: z.enum(USAGE_GROUPS, { error: 'groupBy must be user, type or day' }).default('type'),
  })
  .refine((v) => !v.from || !v.to || Date.parse(v.from) < Date.parse(v.to), { message: 'from must be before to', path: ['from'] });
export type UsageQuery = z.output<typeof usageSchema>;

const priceValue = z
  .number({ error: 'A price is a whole number of credits' })
  .int('A price is a whole number of credits')
  .min(0, 'A price cannot be negative')
  .max(MAX_PRICE, `A price is at most ${MAX_PRICE.toLocaleString('en-US')} credits`);

/**
 * PUT body of a price list: the prices it sets, by type. The list is replaced: a type left out (or
 * null) has no price of its own any more and falls back (customer → platform → SEARCH_CREDIT_COST).
 */
export const priceListSchema = z.strictObject({
  prices: z.partialRecord(typeSchema, priceValue.nullable(), { error: `prices maps ${TYPE_LIST} to credits` }),
});
export type PriceListInput = { prices: Partial<Record<SearchType, number | null>> };

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
