import 'server-only';
import { z } from 'zod';
import { invalid } from './errors';
import { assertStorableText } from './text';

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
    // An unknown field is reported under its own name, as a misspelt field would be looked for.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k].join('.')) : [issue.path.join('.') || '_'];
    for (const key of keys) out[key] ??= issue.message;
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
    throw invalid(result.error.issues[0]?.message ?? 'Invalid input', details);
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

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A real calendar date (2024-02-30 is refused, not rolled over), optionally with a time. */
function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m || Number.isNaN(Date.parse(s))) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

export const isoDate = z.string().refine(isIsoDate, 'Must be an ISO-8601 date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z');

/** An instant with its zone (ISO-8601), as JSON carries it: a date alone would be ambiguous. */
export const instant = (message: string) =>
  z
    .string({ error: message })
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/, message)
    .refine((s) => isoDate.safeParse(s).success, message)
    .transform((s) => new Date(s));

/** The `{ id }` of a `[id]` route segment. */
export const idParams = z.object({ id: idParam });

/** A list answer: `{ items, total, page, pageSize }` (and `totalIsEstimate` beyond the count cap). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), totalIsEstimate: z.literal(true).optional() });

/** An ISO-8601 time as the API writes them. */
export const isoTime = z.iso.datetime({ offset: true });
