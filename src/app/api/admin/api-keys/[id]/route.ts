import { apiKeyResponse } from '@/app/lib/auth/api-key-schemas';
import { revokeApiKey } from '@/app/lib/auth/api-keys';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** DELETE /api/admin/api-keys/:id: revokes the key at once (a CUSTOMER_ADMIN: only their customer's keys). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  DELETE: route(
    {
      permission: 'api_keys.manage',
      summary: 'Revoke an API key: it is refused from the next request on',
      response: apiKeyResponse,
      params: idParams,
      tenant: 'scope',
    },
    ({ db, caller, tenant, params }) => revokeApiKey(db, caller, tenant, params.id),
  ),
});
