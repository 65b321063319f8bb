import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { adminAddCredits } from '@/app/lib/credits';
import { json, readJson } from '@/app/lib/http';
import { readIdempotencyKey } from '@/app/lib/idempotency';
import { addCreditsSchema } from '@/app/lib/validation/credits';
import { parseOrThrow } from '@/app/lib/validation/common';

/** POST /api/admin/credits/add: manual admin credit addition (ADMIN_CREDIT_MANAGEMENT_GUIDE.md). */
export const POST = withAuth('credits.add', async (ctx) => {
  const input = parseOrThrow(addCreditsSchema, await readJson(ctx.req));
  tenantOf(ctx, input.customerId, 'add credits to');
  const { status, body } = await adminAddCredits(ctx.db, ctx.user, input, readIdempotencyKey(ctx.req));
  return json(body, status);
});
