import { endpoint, route } from '@/app/lib/http/door';
import { runSearch } from '@/app/lib/searches';
import { searchResultResponse, searchSchema } from '@/app/lib/searches/schemas';

/**
 * POST /api/search { query, type: 'keyword' | 'profile' }: a paid Roblox look-up for the caller's
 * customer. 402 when the balance is below the cost (Roblox is not called); 502, refunded, when
 * Roblox can't answer; 400/404, refunded, when Roblox rejects the query.
 */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'searches.run',
      summary: "A paid Roblox look-up for the caller's customer",
      response: searchResultResponse,
      errors: [402, 404, 502, 503],
      example: { body: { query: 'builderman', type: 'keyword' } },
      body: searchSchema,
    },
    ({ db, caller, body }) => runSearch(db, caller, body),
  ),
});
