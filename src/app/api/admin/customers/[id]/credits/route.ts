import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { creditSummary } from '@/app/lib/credits';
import { json } from '@/app/lib/http';
import { idParam, parseOrThrow } from '@/app/lib/validation/common';

/** GET /api/admin/customers/:id/credits: balance, lifetime breakdown and daily balance history. */
export const GET = withAuth<{ id: string }>('credits.read', async (ctx) => {
  const id = parseOrThrow(idParam, ctx.params.id);
  tenantOf(ctx, id, 'view credits of');
  return json(await creditSummary(ctx.db, id));
});
