import 'server-only';
import { AppError } from '../errors';
import { assertStorableText } from '../text';
import { inspectJson } from './json-keys';

export const MAX_BODY_BYTES = 64 * 1024;
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
      const { done, value } = await reader.read();
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

