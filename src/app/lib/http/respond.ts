import 'server-only';
import { AppError } from '../errors';

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** Turns any thrown value into the `{ error, details, code }` response; unknown errors are logged, never shown. */
export function errorResponse(err: unknown): Response {
  if (err instanceof AppError) return json(err.toJSON(), err.status, err.headers);
  // Name, code and stack only: driver errors carry the query's parameters, which are user data.
  const e = err as { name?: string; message?: string; code?: string; stack?: string };
  console.error(`[api] unhandled error: ${e?.name ?? 'Error'}${e?.code ? ` (${e.code})` : ''}: ${e?.message ?? String(err)}`, e?.stack ?? '');
  return json({ error: 'Internal server error', details: 'The request could not be completed', code: 'internal' }, 500);
}
