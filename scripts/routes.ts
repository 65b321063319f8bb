import fs from 'node:fs';
import path from 'node:path';
import type { RouteSpec } from '../src/app/lib/http/door';

/**
 * Every route module under src/app/api, imported, with each method's declaration (the `spec` that
 * route() attaches). The OpenAPI build and the access-matrix test both read the routes this way,
 * so neither keeps a list of its own.
 */

export const API_ROOT = path.resolve(__dirname, '../src/app/api');
/** Routes outside the door by design: NextAuth's own, the load balancer's health check, the API reference. */
export const PUBLIC_ROUTE_DIRS = new Set(['auth', 'health', 'openapi.json']);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface RouteMethod {
  /** `/api/admin/customers/:id` */
  route: string;
  /** `/api/admin/customers/{id}` (OpenAPI's form) */
  path: string;
  method: (typeof METHODS)[number];
  isPublic: boolean;
  spec?: RouteSpec<unknown, unknown, unknown>;
  /** A signedRoute(): no session, its sender signs each request (this header). */
  signedBy?: string;
}

function routeFiles(dir = API_ROOT, isPublic = false): Array<{ dir: string; file: string; isPublic: boolean }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full, isPublic || (dir === API_ROOT && PUBLIC_ROUTE_DIRS.has(entry.name)));
    return /^route\.(ts|tsx|js)$/.test(entry.name) ? [{ dir, file: full, isPublic }] : [];
  });
}

export async function routeMethods(): Promise<RouteMethod[]> {
  const out: RouteMethod[] = [];
  for (const { dir, file, isPublic } of routeFiles()) {
    const segments = path.relative(API_ROOT, dir).split(path.sep);
    const route = `/api/${segments.map((s) => s.replace(/^\[(.+)\]$/, ':$1')).join('/')}`;
    const openApiPath = `/api/${segments.map((s) => s.replace(/^\[(.+)\]$/, '{$1}')).join('/')}`;
    const mod = (await import(file)) as Record<
      string,
      { spec?: RouteSpec<unknown, unknown, unknown>; signedBy?: string; methodNotAllowed?: true } | undefined
    >;
    for (const method of METHODS) {
      const handler = mod[method];
      // Methods a route doesn't implement answer 405 from endpoint(): a fallback, not a route.
      if (handler && !handler.methodNotAllowed) {
        out.push({ route, path: openApiPath, method, isPublic, spec: handler.spec, signedBy: handler.signedBy });
      }
    }
  }
  return out;
}
