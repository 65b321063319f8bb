import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { json, readJson } from '@/app/lib/http';
import { createUser, listUsers } from '@/app/lib/users';
import { parseOrThrow, searchParamsObject } from '@/app/lib/validation/common';
import { createUserSchema, userListSchema } from '@/app/lib/validation/users';

/** GET /api/admin/users: users of every customer (SUPER_ADMIN) or of the caller's own. */
export const GET = withAuth('users.read', async (ctx) => {
  const query = parseOrThrow(userListSchema, searchParamsObject(new URL(ctx.req.url)));
  return json(await listUsers(ctx.db, tenantOf(ctx, query.customerId, 'view users of'), query));
});

/** POST /api/admin/users: create a user; CUSTOMER_ADMINs only inside their own customer. */
export const POST = withAuth('users.manage', async (ctx) => {
  const input = parseOrThrow(createUserSchema, await readJson(ctx.req));
  return json({ user: await createUser(ctx.db, ctx.user, input) }, 201);
});
