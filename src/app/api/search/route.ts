import { withAuth } from '@/app/lib/auth/with-auth';
import { json, readJson } from '@/app/lib/http';
import { runLookup } from '@/app/lib/searches';
import { parseOrThrow } from '@/app/lib/validation/common';
import { lookupSchema } from '@/app/lib/validation/searches';

/**
 * POST /api/search { query, type: 'keyword' | 'profile' }: a paid Roblox look-up for the caller's
 * customer. 402 when the balance is below the cost (Roblox is not called); 502, refunded, when
 * Roblox can't answer; 400/404, refunded, when Roblox rejects the query.
 */
export const POST = withAuth('searches.run', async (ctx) => {
  const input = parseOrThrow(lookupSchema, await readJson(ctx.req));
  return json(await runLookup(ctx.db, { id: ctx.user.id, customerId: ctx.user.customerId! }, input));
});
