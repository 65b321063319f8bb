import 'server-only';
import { AppError } from '../errors';
import { assertStorableText } from '../text';
import { inspectJson } from './json-keys';

export const MAX_BODY_BYTES = 64 * 1024;

export const JSON_ONLY = ['application/json'] as const;

/**
 * A body of a type the route doesn't take is a 415, before it is read: a cross-site form can send
 * text/plain or form-urlencoded without a CORS preflight, JSON it can't. Bodiless requests (an
 * action with nothing to say) pass unless the route declares a body.
 */
export function assertContentType(req: Request, accepts: readonly string[], bodyDeclared: boolean): void {
  const hasBody = bodyDeclared || Number(req.headers.get('content-length') ?? 0) > 0 || req.headers.has('transfer-encoding');
  if (!hasBody) return;
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (accepts.includes(type)) return;
  throw new AppError(
    'unsupported_media_type',
    'Unsupported Media Type',
    `${type ? `Content-Type ${type} is not accepted here` : 'The request has no Content-Type'}: send the body as ${accepts.join(' or ')} (Content-Type: ${accepts[0]})`,
  );
}
const MAX_JSON_DEPTH = 32;

/** Reads a body of at most 64 KiB as text, without trusting Content-Length. */
export async function readText(req: Request): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
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
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
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

/** Reads a JSON body of at most 64 KiB without trusting Content-Length. */
export async function readJson(req: Request): Promise<unknown> {
  return parseJsonText(await readText(req));
}

function tooLarge() {
  return new AppError('payload_too_large', 'Request body too large', `The body must be at most ${MAX_BODY_BYTES / 1024} KB`);
}

