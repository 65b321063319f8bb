import { billingOverview, oneCustomer } from '@/app/lib/billing';
import { customerQuerySchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/billing/overview: balance (paid vs promotional), what expires soon, auto top-up, alerts, whether buying is on. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'billing.read', query: customerQuerySchema, tenant: { query: 'customerId', action: 'view billing of' } }, ({ db, tenant }) =>
    billingOverview(db, oneCustomer(tenant)),
  ),
});
