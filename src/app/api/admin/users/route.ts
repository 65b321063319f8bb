import { endpoint, route } from '@/app/lib/http/door';
import { createUser, listUsers } from '@/app/lib/users';
import { createUserSchema, userListSchema } from '@/app/lib/users/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/users: users of every customer (SUPER_ADMIN) or of the caller's own. */
  GET: route(
    { permission: 'users.read', query: userListSchema, tenant: { query: 'customerId', action: 'view users of' } },
    ({ reads, tenant, query }) => listUsers(reads, tenant, query),
  ),
  /** POST /api/admin/users: create a user; CUSTOMER_ADMINs only inside their own customer. */
  POST: route({ permission: 'users.manage', body: createUserSchema, status: 201 }, async ({ db, caller, body }) => ({
    user: await createUser(db, caller, body),
  })),
});
