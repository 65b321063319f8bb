import { autoTopUpSettings, oneCustomer, saveAutoTopUp } from '@/app/lib/billing';
import { autoTopUpSchema, customerQuerySchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { publicUrl } from '@/app/lib/http/public-url';

/** GET / PUT /api/billing/auto-top-up: the settings; saving them (and, with no saved card, the `url` that saves one). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'billing.read', query: customerQuerySchema, tenant: { query: 'customerId', action: 'view billing of' } }, async ({ db, tenant }) => ({
    autoTopUp: await autoTopUpSettings(db, oneCustomer(tenant)),
  })),
  PUT: route({ permission: 'billing.buy', body: autoTopUpSchema, tenant: 'scope' }, ({ req, db, caller, tenant, body }) =>
    saveAutoTopUp(db, caller, oneCustomer(tenant), body, publicUrl(req)),
  ),
});
