import { listPurchases } from '@/app/lib/billing';
import { purchaseListSchema, purchasePageResponse } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/billing/purchases: the customer's purchases, newest first (SUPER_ADMIN: every customer's, or `customerId`'s). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'billing.read',
      summary: 'Purchases, newest first, with prices, receipts and refunds',
      response: purchasePageResponse,
      example: { query: { status: 'paid', pageSize: '5' } },
      query: purchaseListSchema,
      tenant: { query: 'customerId', action: 'view purchases of' },
    },
    ({ reads, tenant, query }) => listPurchases(reads, tenant, query),
  ),
});
