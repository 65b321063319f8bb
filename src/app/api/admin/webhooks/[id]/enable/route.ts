import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';
import { enableWebhook } from '@/app/lib/webhooks';
import { webhookResponse } from '@/app/lib/webhooks/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** POST /api/admin/webhooks/:id/enable: an endpoint disabled after failing for days, on again. */
  POST: route(
    {
      permission: 'webhooks.manage',
      summary: 'Enable an endpoint that was disabled after failing; its pending deliveries are attempted at once',
      response: webhookResponse,
      errors: [404],
      params: idParams,
      tenant: 'scope',
    },
    async ({ db, caller, tenant, params }) => ({ webhook: await enableWebhook(db, caller, params.id, tenant) }),
  ),
});
