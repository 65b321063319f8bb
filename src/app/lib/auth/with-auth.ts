import { errorResponse, assertSameOrigin } from '../http';
import { AppError } from '../errors';
import type { Db } from '../db';
import { app } from '../startup';
import type { SessionUser } from '../users';
import { PERMISSIONS, scopeOf, type Permission, type Scope } from './permissions';
import { requireUser } from './session';

export interface AuthContext<P> {
  req: Request;
  db: Db;
  user: SessionUser;
  /** The caller's reach for this permission: every customer, or only their own. */
  scope: Scope;
  params: P;
}

type RouteContext<P> = { params: Promise<P> };

/**
 * The one door into every admin route: CSRF check, session → fresh user, permission check, then
 * the handler; whatever it throws becomes the `{ error, details }` response.
 */
export function withAuth<P = Record<string, never>>(
  permission: Permission,
  handler: (ctx: AuthContext<P>) => Promise<Response>,
) {
  return async (req: Request, route: RouteContext<P>): Promise<Response> => {
    try {
      assertSameOrigin(req);
      const user = await requireUser(req);
      const scope = scopeOf(user.role, permission);
      if (!scope) {
        const { error, details } = PERMISSIONS[permission].forbidden;
        throw new AppError('forbidden', error, details);
      }
      const { db } = await app();
      return await handler({ req, db, user, scope, params: await route.params });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/**
 * The customer a tenant-scoped caller may act on. `own` callers are pinned to their customer: asking
 * for another one is refused before anything is looked up, so other tenants' ids reveal nothing.
 */
export function tenantOf(ctx: { user: SessionUser; scope: Scope }, requested: number | undefined, what: string): number | undefined {
  if (ctx.scope === 'any') return requested;
  const own = ctx.user.customerId!;
  if (requested !== undefined && requested !== own) {
    throw new AppError('forbidden', 'Forbidden', `You can only ${what} your own customer account`);
  }
  return own;
}
