import { endpoint, route } from '@/app/lib/http/door';
import { createWebhook, listWebhooks } from '@/app/lib/webhooks';
import { createdWebhookResponse, createWebhookSchema, webhookListSchema, webhookPageResponse } from '@/app/lib/webhooks/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/webhooks: the endpoints within the caller's reach (a SUPER_ADMIN: all, or `?customerId=`). */
  GET: route(
    {
      permission: 'webhooks.manage',
      summary: 'Webhook endpoints (no secrets)',
      response: webhookPageResponse,
      example: { query: { pageSize: '10' } },
      query: webhookListSchema,
      tenant: { query: 'customerId', action: 'view webhooks of' },
    },
    ({ reads, tenant, query }) => listWebhooks(reads, tenant, query),
  ),
  /**
   * POST /api/admin/webhooks { url, events, customerId? } → 201 { webhook, secret }. Without
   * customerId a SUPER_ADMIN creates a platform endpoint (every customer's events); a
   * CUSTOMER_ADMIN's endpoint is always their own customer's. The secret is shown this once.
   */
  POST: route(
    {
      permission: 'webhooks.manage',
      summary: 'Create a webhook endpoint; the whsec_ signing secret is in this answer only',
      response: createdWebhookResponse,
      status: 201,
      errors: [404],
      example: { body: { url: 'https://hooks.example.com/roblox-tool', events: ['credits.low', 'credits.depleted'] } },
      body: createWebhookSchema,
      tenant: { body: 'customerId', action: 'create webhooks for' },
    },
    ({ db, caller, tenant, body, secrets }) => createWebhook(db, caller, tenant, body, secrets),
  ),
});
