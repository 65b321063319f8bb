import { grantListSchema, listGrants } from '@/app/lib/credits';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** GET /api/admin/customers/:id/grants: the customer's grants, live ones first in spending order. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    { permission: 'credits.read', params: idParams, query: grantListSchema, tenant: { params: 'id', action: 'view credits of' } },
    ({ db, params, query }) => listGrants(db, params.id, query),
  ),
});
