import { adminAddCredits, guideTransaction } from '@/app/lib/credits';
import { addCreditsResponse, addCreditsSchema } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/admin/credits/add: manual admin credit addition (ADMIN_CREDIT_MANAGEMENT_GUIDE.md). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'credits.add',
      summary: "Add credits to a customer (the guide's manual admin addition)",
      response: addCreditsResponse,
      errors: [404],
      example: { body: { customerId: 1, amount: 100, description: 'Demo account credits' } },
      body: addCreditsSchema,
      tenant: { body: 'customerId', action: 'add credits to' },
      idempotent: 'credits.add',
    },
    async ({ db, caller, body }) => ({
      success: true,
      message: 'Credits added successfully',
      transaction: guideTransaction(await adminAddCredits(db, caller, body)),
    }),
  ),
});
