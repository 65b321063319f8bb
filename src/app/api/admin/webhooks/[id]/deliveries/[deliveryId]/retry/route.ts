import { endpoint, route } from '@/app/lib/http/door';
import { retryDelivery } from '@/app/lib/webhooks';
import { deliveryParams, deliveryResponse } from '@/app/lib/webhooks/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** POST /api/admin/webhooks/:id/deliveries/:deliveryId/retry: one attempt now; the answer says how it went. */
  POST: route(
    {
      permission: 'webhooks.manage',
      summary: 'Attempt a delivery again now',
      response: deliveryResponse,
      errors: [404, 409],
      params: deliveryParams,
      tenant: 'scope',
    },
    async ({ db, tenant, params, secrets }) => ({ delivery: await retryDelivery(db, params.id, params.deliveryId, tenant, secrets) }),
  ),
});
