import { adminAddCredits, guideTransaction } from '@/app/lib/credits';
import { addCreditsSchema } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/admin/credits/add: manual admin credit addition (ADMIN_CREDIT_MANAGEMENT_GUIDE.md). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    { permission: 'credits.add', body: addCreditsSchema, tenant: { body: 'customerId', action: 'add credits to' }, idempotent: 'credits.add' },
    async ({ db, caller, body }) => ({
      success: true,
      message: 'Credits added successfully',
      transaction: guideTransaction(await adminAddCredits(db, caller, body)),
    }),
  ),
});
