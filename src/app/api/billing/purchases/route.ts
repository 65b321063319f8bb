import { listPurchases } from '@/app/lib/billing';
import { purchaseListSchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/billing/purchases: the customer's purchases, newest first (SUPER_ADMIN: every customer's, or `customerId`'s). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'billing.read', query: purchaseListSchema, tenant: { query: 'customerId', action: 'view purchases of' } }, ({ db, tenant, query }) =>
    listPurchases(db, tenant, query),
  ),
});
