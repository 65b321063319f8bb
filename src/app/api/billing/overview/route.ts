import { billingOverview, oneCustomer } from '@/app/lib/billing';
import { customerQuerySchema, overviewResponse } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/billing/overview: balance (paid vs promotional), what expires soon, auto top-up, notices, whether buying is on. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'billing.read',
      summary: 'A customer’s billing page: balance paid vs promotional, expiring credits, auto top-up, notices',
      response: overviewResponse,
      errors: [404],
      example: { query: { customerId: '1' } },
      query: customerQuerySchema,
      tenant: { query: 'customerId', action: 'view billing of' },
    },
    ({ db, tenant }) => billingOverview(db, oneCustomer(tenant)),
  ),
});
