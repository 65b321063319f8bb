import { z } from 'zod';
import { badRequest } from '../errors';
import { assertStorableText } from '../text';

/** Positive database id. Query strings arrive as text: accept only plain digits. */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'Must be a positive whole number')
  .transform(Number)
  .pipe(z.number().int().max(2_147_483_647, 'Must be a positive whole number'));

export const idValue = z
  .number({ error: 'Must be a number' })
  .int('Must be a whole number')
  .positive('Must be a positive whole number')
  .max(2_147_483_647, 'Must be a positive whole number');

export const pageParams = {
  page: z.string().regex(/^[1-9][0-9]{0,5}$/, 'Must be a whole number from 1').transform(Number).optional(),
  pageSize: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'Must be a whole number from 1 to 100')
    .transform(Number)
    .pipe(z.number().max(100, 'Must be a whole number from 1 to 100'))
    .optional(),
};

export const orderParam = z.enum(['asc', 'desc'], { error: 'Must be asc or desc' }).optional();

export function flattenIssues(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    out[key] ??= issue.message;
  }
  return out;
}

/**
 * Parses with zod. Invalid input becomes a 400 whose `error` is the first problem in words
 * (e.g. "Maximum 10,000 credits exceeded") and whose `details` maps every bad field to its message.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = flattenIssues(result.error);
    throw badRequest(result.error.issues[0]?.message ?? 'Invalid input', details);
  }
  return result.data;
}

/** The query string as an object for a zod schema; text PostgreSQL can't store is a 400 here. */
export function searchParamsObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) out[key] = value;
  assertStorableText(out);
  return out;
}
