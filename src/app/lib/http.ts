import { AppError } from './errors';
import { inspectJson } from './json-keys';
import { assertStorableText } from './text';

export const MAX_BODY_BYTES = 64 * 1024;
const MAX_JSON_DEPTH = 32;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** Turns any thrown value into the `{ error, details }` response; unknown errors are logged, never shown. */
export function errorResponse(err: unknown): Response {
  if (err instanceof AppError) return json(err.toJSON(), err.status, err.headers);
  // Name, code and stack only: driver errors carry the query's parameters, which are user data.
  const e = err as { name?: string; message?: string; code?: string; stack?: string };
  console.error(`[api] unhandled error: ${e?.name ?? 'Error'}${e?.code ? ` (${e.code})` : ''}: ${e?.message ?? String(err)}`, e?.stack ?? '');
  return json({ error: 'Internal server error', details: 'The request could not be completed' }, 500);
}

/** Reads a JSON body of at most 64 KiB without trusting Content-Length. */
export async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
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

function tooLarge() {
  return new AppError('payload_too_large', 'Request body too large', `The body must be at most ${MAX_BODY_BYTES / 1024} KB`);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated writes must come from our own pages. Browsers always send Origin on
 * cross-site POSTs; non-browser clients (curl, scripts) send none and carry no ambient cookie risk.
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  const site = req.headers.get('sec-fetch-site');
  const origin = req.headers.get('origin');
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  let crossSite = site === 'cross-site';
  if (origin && origin !== 'null') {
    try {
      crossSite ||= new URL(origin).host !== host;
    } catch {
      crossSite = true;
    }
  } else if (origin === 'null') {
    crossSite = true;
  }
  if (crossSite) {
    throw new AppError('forbidden', 'Forbidden - Cross-site request refused', 'Requests must come from this site');
  }
}

