import 'server-only';
import { AppError } from '../errors';
import { assertStorableText } from '../text';
import { inspectJson } from './json-keys';

export const MAX_BODY_BYTES = 64 * 1024;

/** The body types a route can read, and the media type each arrives as. */
export const MEDIA_TYPES = { json: 'application/json', csv: 'text/csv' } as const;
export type BodyType = keyof typeof MEDIA_TYPES;

/**
 * The one content-type rule, for every route that reads a body (the door's JSON and CSV routes and
 * the raw body a signed webhook reads): a body of a type the route doesn't read is a 415, before it
 * is read. A cross-site form can send text/plain or form-urlencoded without a CORS preflight, JSON
 * it can't. A bodiless request (an action with nothing to say) passes unless a body is required.
 * Answers the type the body came as, or null for no body.
 */
export function bodyTypeOf(req: Request, types: readonly BodyType[], required: boolean): BodyType | null {
  const hasBody = required || Number(req.headers.get('content-length') ?? 0) > 0 || req.headers.has('transfer-encoding');
  if (!hasBody) return null;
  const media = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const type = types.find((t) => MEDIA_TYPES[t] === media);
  if (type) return type;
  const names = types.map((t) => MEDIA_TYPES[t]);
  throw new AppError(
    'unsupported_media_type',
    'Unsupported Media Type',
    `${media ? `Content-Type ${media} is not accepted here` : 'The request has no Content-Type'}: send the body as ${names.join(' or ')} (Content-Type: ${names[0]})`,
  );
}
const MAX_JSON_DEPTH = 32;

/** Reads a body of at most `limit` bytes (64 KiB unless a route allows more) as text, without trusting Content-Length. */
export async function readText(req: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      // A client that hangs up mid-body gets no answer anyway; it is no server error either.
      const { done, value } = await reader.read().catch(() => {
        throw new AppError('bad_request', 'Request body incomplete', 'The connection closed before the whole body arrived');
      });
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON text: malformed, duplicate-keyed, pathologically deep or unstorable text is a 400. */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw new AppError('bad_request', 'Request body is required', 'Send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('bad_request', 'Malformed JSON', 'The request body is not valid JSON');
  }
  const { duplicate, depth } = inspectJson(text);
  // Nothing we accept nests deeper than a few levels; a pathological depth is refused before it
  // costs stack in the validators.
  if (depth > MAX_JSON_DEPTH) {
    throw new AppError('bad_request', 'JSON nested too deeply', `Objects and arrays may nest at most ${MAX_JSON_DEPTH} levels`);
  }
  if (duplicate !== null) {
    throw new AppError('bad_request', 'Duplicate key in JSON', `The key "${duplicate}" appears more than once in one object`);
  }
  assertStorableText(value);
  return value;
}

function tooLarge(limit: number) {
  return new AppError('payload_too_large', 'Request body too large', `The body must be at most ${limit / 1024} KB`);
}

