import { endpoint, route } from '@/app/lib/http/door';
import { runSearch } from '@/app/lib/searches';
import { searchResultResponse, searchSchema } from '@/app/lib/searches/schemas';

/**
 * POST /api/search { query, type: 'keyword' | 'profile' | 'groups' | 'usernames' }: a paid Roblox
 * look-up for the caller's customer at its price in force. 402 when the balance or the user's
 * monthly limit doesn't cover it, 503 when the shared Roblox rate limit is spent (Roblox is not
 * called, nothing charged); 502, refunded, when Roblox can't answer; 400/404, refunded, when
 * Roblox rejects the query. Idempotency-Key: one charge per key, the first answer replayed.
 */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'searches.run',
      summary: "A paid Roblox look-up for the caller's customer",
      response: searchResultResponse,
      errors: [402, 404, 409, 502, 503],
      example: { body: { query: 'builderman', type: 'keyword' } },
      body: searchSchema,
      idempotent: 'searches.run',
      idempotency: 'claim',
    },
    ({ db, caller, body, claim }) => runSearch(db, caller, body, { claim }),
  ),
});
