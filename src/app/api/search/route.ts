import { endpoint, route } from '@/app/lib/http/door';
import { runSearch } from '@/app/lib/searches';
import { searchSchema } from '@/app/lib/searches/schemas';

/**
 * POST /api/search { query, type: 'keyword' | 'profile' }: a paid Roblox look-up for the caller's
 * customer. 402 when the balance is below the cost (Roblox is not called); 502, refunded, when
 * Roblox can't answer; 400/404, refunded, when Roblox rejects the query.
 */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route({ permission: 'searches.run', body: searchSchema }, ({ db, caller, body }) =>
    runSearch(db, caller, body),
  ),
});
