import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';
import { deleteWebhook, getWebhook } from '@/app/lib/webhooks';
import { webhookResponse } from '@/app/lib/webhooks/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/webhooks/:id */
  GET: route(
    { permission: 'webhooks.manage', summary: 'One webhook endpoint', response: webhookResponse, errors: [404], params: idParams, tenant: 'scope' },
    async ({ db, tenant, params }) => ({ webhook: await getWebhook(db, params.id, tenant) }),
  ),
  /** DELETE /api/admin/webhooks/:id: the endpoint and its pending deliveries go at once. */
  DELETE: route(
    { permission: 'webhooks.manage', summary: 'Delete a webhook endpoint', response: webhookResponse, errors: [404], params: idParams, tenant: 'scope' },
    async ({ db, caller, tenant, params }) => ({ webhook: await deleteWebhook(db, caller, params.id, tenant) }),
  ),
});
