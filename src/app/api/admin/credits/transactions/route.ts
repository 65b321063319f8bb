import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { listTransactions } from '@/app/lib/credits';
import { json } from '@/app/lib/http';
import { parseOrThrow, searchParamsObject } from '@/app/lib/validation/common';
import { transactionFilterSchema } from '@/app/lib/validation/credits';

/** GET /api/admin/credits/transactions: the audit trail, newest first. */
export const GET = withAuth('credits.read', async (ctx) => {
  const filter = parseOrThrow(transactionFilterSchema, searchParamsObject(new URL(ctx.req.url)));
  return json(await listTransactions(ctx.db, tenantOf(ctx, filter.customerId, 'view transactions of'), filter));
});
