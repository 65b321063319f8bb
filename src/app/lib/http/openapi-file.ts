import 'server-only';
import fs from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/** GET /api/openapi.json: the document `npm run build` generated from the routes' declarations. */
export async function serveOpenApi(): Promise<Response> {
  cached ??= fs.readFileSync(path.join(/*turbopackIgnore: true*/ process.cwd(), '.next', 'openapi.json'), 'utf8');
  return new Response(cached, { headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' } });
}
