import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';
import { listDeliveries } from '@/app/lib/webhooks';
import { deliveryListSchema, deliveryPageResponse } from '@/app/lib/webhooks/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/webhooks/:id/deliveries: newest first; status, attempts, last response code and time. */
  GET: route(
    {
      permission: 'webhooks.manage',
      summary: "A webhook's deliveries, newest first",
      response: deliveryPageResponse,
      errors: [404],
      params: idParams,
      query: deliveryListSchema,
      tenant: 'scope',
    },
    ({ reads, tenant, params, query }) => listDeliveries(reads, params.id, tenant, query),
  ),
});
