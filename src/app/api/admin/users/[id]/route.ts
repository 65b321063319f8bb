import { endpoint, route } from '@/app/lib/http/door';
import { getUser, updateUser } from '@/app/lib/users';
import { updateUserSchema, userResponse } from '@/app/lib/users/schemas';
import { idParams } from '@/app/lib/validation';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/users/:id */
  GET: route(
    {
      permission: 'users.read',
      summary: 'One user',
      response: userResponse,
      example: { params: { id: '1' } },
      params: idParams,
      tenant: 'scope',
    },
    async ({ db, tenant, params }) => ({
      user: await getUser(db, params.id, tenant),
    }),
  ),
  /** PATCH /api/admin/users/:id: role, active, password. */
  PATCH: route(
    {
      permission: 'users.manage',
      summary: "Change a user's role, activate or deactivate, or set a new password",
      response: userResponse,
      errors: [409],
      example: { params: { id: '1' }, body: { active: true } },
      params: idParams,
      body: updateUserSchema,
      tenant: 'scope',
    },
    async ({ db, caller, tenant, params, body }) => ({
      user: await updateUser(db, caller, params.id, tenant, body),
    }),
  ),
});
