import { adminDeductCredits, guideTransaction } from '@/app/lib/credits';
import { deductCreditsSchema } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/admin/credits/deduct { customerId, amount, description }: takes credits away, spending grants in order. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    { permission: 'credits.deduct', body: deductCreditsSchema, tenant: { body: 'customerId', action: 'deduct credits from' }, idempotent: 'credits.deduct' },
    async ({ db, caller, body }) => ({
      success: true,
      message: 'Credits deducted successfully',
      transaction: guideTransaction(await adminDeductCredits(db, caller, body)),
    }),
  ),
});
