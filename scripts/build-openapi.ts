// After `next build`: writes the OpenAPI document of every declared route to .next/openapi.json,
// which GET /api/openapi.json serves (generated from the routes' zod schemas at every build).
import fs from 'node:fs';
import path from 'node:path';
import { buildOpenApi } from '../src/app/lib/http/openapi';
import { routeMethods } from './routes';

async function main() {
  const routes = (await routeMethods()).filter((r) => r.spec);
  const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  const doc = buildOpenApi(routes.map((r) => ({ path: r.path, method: r.method, spec: r.spec! })), version);
  const out = path.join(__dirname, '..', '.next', 'openapi.json');
  fs.writeFileSync(out, JSON.stringify(doc, null, 2));
  console.log(`OpenAPI document: ${out} (${routes.length} operations)`);
  // Route modules open nothing at import, but some libraries keep timers: exit explicitly.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
