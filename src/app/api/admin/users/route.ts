import { endpoint, route } from '@/app/lib/http/door';
import { createUser, listUsers } from '@/app/lib/users';
import { createUserSchema, userListSchema, userPageResponse, userResponse } from '@/app/lib/users/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/users: users of every customer (SUPER_ADMIN) or of the caller's own. */
  GET: route(
    {
      permission: 'users.read',
      summary: 'Users: search, filter by customer, role and status, sort, page',
      response: userPageResponse,
      example: { query: { pageSize: '5' } },
      query: userListSchema,
      tenant: { query: 'customerId', action: 'view users of' },
    },
    ({ reads, tenant, query }) => listUsers(reads, tenant, query),
  ),
  /** POST /api/admin/users: create a user; CUSTOMER_ADMINs only inside their own customer. */
  POST: route(
    {
      permission: 'users.manage',
      summary: 'Create a user (a CUSTOMER_ADMIN: in its own customer)',
      response: userResponse,
      errors: [404, 409],
      example: { body: { username: 'new.analyst', password: 'a long passphrase', role: 'SUPER_ADMIN' } },
      body: createUserSchema,
      status: 201,
    },
    async ({ db, caller, body }) => ({
      user: await createUser(db, caller, body),
    }),
  ),
});
