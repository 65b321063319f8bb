import { endpoint, route } from '@/app/lib/http/door';
import { usageSchema } from '@/app/lib/searches/schemas';
import { searchUsage } from '@/app/lib/searches/usage';

/** GET /api/search/usage?from&to&groupBy=user|type|day: credits and counts of the customer's look-ups (SUPER_ADMIN: any, `customerId`). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    { permission: 'searches.usage', query: usageSchema, tenant: { query: 'customerId', action: 'view look-up usage of' } },
    ({ db, tenant, query }) => searchUsage(db, tenant, query),
  ),
});
