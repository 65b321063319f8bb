import { autoTopUpSettings, oneCustomer, saveAutoTopUp } from '@/app/lib/billing';
import { autoTopUpResponse, autoTopUpSchema, customerQuerySchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { publicUrl } from '@/app/lib/http/public-url';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/billing/auto-top-up: the customer's settings and state. */
  GET: route(
    {
      permission: 'billing.read',
      summary: 'Auto top-up settings and state',
      response: autoTopUpResponse,
      errors: [404],
      example: { query: { customerId: '1' } },
      query: customerQuerySchema,
      tenant: { query: 'customerId', action: 'view billing of' },
    },
    async ({ db, tenant }) => ({ autoTopUp: await autoTopUpSettings(db, oneCustomer(tenant)) }),
  ),
  /** PUT /api/billing/auto-top-up: saves the settings (audited); with no saved card the answer's `url` saves one. */
  PUT: route(
    {
      permission: 'billing.buy',
      summary: 'Save auto top-up settings; with no saved card, `url` is the Stripe page that saves one',
      response: autoTopUpResponse,
      errors: [404, 502, 503],
      example: { body: { enabled: false, thresholdCredits: 100, packId: 1, monthlyLimit: 2 } },
      body: autoTopUpSchema,
      tenant: 'scope',
    },
    ({ req, db, caller, tenant, body }) => saveAutoTopUp(db, caller, oneCustomer(tenant), body, publicUrl(req)),
  ),
});
