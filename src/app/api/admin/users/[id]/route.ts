import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { json, readJson } from '@/app/lib/http';
import { getUser, updateUser } from '@/app/lib/users';
import { idParam, parseOrThrow } from '@/app/lib/validation/common';
import { updateUserSchema } from '@/app/lib/validation/users';

type Params = { id: string };

/** GET /api/admin/users/:id */
export const GET = withAuth<Params>('users.read', async (ctx) => {
  const id = parseOrThrow(idParam, ctx.params.id);
  return json({ user: await getUser(ctx.db, id, tenantOf(ctx, undefined, 'view users of')) });
});

/** PATCH /api/admin/users/:id: role, active, password. */
export const PATCH = withAuth<Params>('users.manage', async (ctx) => {
  const id = parseOrThrow(idParam, ctx.params.id);
  const patch = parseOrThrow(updateUserSchema, await readJson(ctx.req));
  return json({ user: await updateUser(ctx.db, ctx.user, id, tenantOf(ctx, undefined, 'manage users of'), patch) });
});
