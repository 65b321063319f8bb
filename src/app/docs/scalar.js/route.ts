import fs from 'node:fs';
import path from 'node:path';

let bundle: Buffer | undefined;

/** Scalar's standalone viewer, from its npm package, so /docs works offline and under our CSP. */
export async function GET(): Promise<Response> {
  bundle ??= fs.readFileSync(path.join(/*turbopackIgnore: true*/ process.cwd(), 'node_modules', '@scalar', 'api-reference', 'dist', 'browser', 'standalone.js'));
  return new Response(new Uint8Array(bundle), { headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' } });
}
