import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { json } from '@/app/lib/http';
import { listSearches } from '@/app/lib/searches';
import { parseOrThrow, searchParamsObject } from '@/app/lib/validation/common';
import { searchHistorySchema } from '@/app/lib/validation/searches';

/** GET /api/search/history: the customer's look-ups, newest first (every customer's for SUPER_ADMIN). */
export const GET = withAuth('searches.read', async (ctx) => {
  const query = parseOrThrow(searchHistorySchema, searchParamsObject(new URL(ctx.req.url)));
  return json(await listSearches(ctx.db, tenantOf(ctx, query.customerId, 'view look-ups of'), query));
});
