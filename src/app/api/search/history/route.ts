import { endpoint, route } from '@/app/lib/http/door';
import { listSearches } from '@/app/lib/searches';
import { searchHistorySchema, searchPageResponse } from '@/app/lib/searches/schemas';

/** GET /api/search/history: the customer's look-ups, newest first (every customer's for SUPER_ADMIN). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'searches.read',
      summary: "The customer's look-ups, newest first",
      response: searchPageResponse,
      example: { query: { pageSize: '5' } },
      query: searchHistorySchema,
      tenant: { query: 'customerId', action: 'view look-ups of' },
    },
    ({ db, tenant, query }) => listSearches(db, tenant, query),
  ),
});
