import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';
import { sendTestEvent } from '@/app/lib/webhooks';
import { deliveryResponse } from '@/app/lib/webhooks/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** POST /api/admin/webhooks/:id/test: a signed `webhook.test` event to this endpoint only, sent now. */
  POST: route(
    {
      permission: 'webhooks.manage',
      summary: 'Send a test event to the endpoint now',
      response: deliveryResponse,
      errors: [404, 409],
      params: idParams,
      tenant: 'scope',
    },
    async ({ db, tenant, params, secrets }) => ({ delivery: await sendTestEvent(db, params.id, tenant, secrets) }),
  ),
});
