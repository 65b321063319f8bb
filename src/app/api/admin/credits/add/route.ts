import { guideTransaction } from '@/app/lib/credits';
import { addCreditsResponse, addCreditsSchema } from '@/app/lib/credits/schemas';
import { requestGrant } from '@/app/lib/grants-ops';
import { pendingApprovalResponse } from '@/app/lib/grants-ops/schemas';
import { answer, endpoint, route } from '@/app/lib/http/door';

/**
 * POST /api/admin/credits/add: manual admin credit addition (ADMIN_CREDIT_MANAGEMENT_GUIDE.md).
 * With the grant controls set, a grant that needs an approval answers 202 and books nothing yet.
 */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'credits.add',
      summary: "Add credits to a customer (the guide's manual admin addition); 202 when it waits for an approval",
      response: addCreditsResponse,
      alternatives: { 202: pendingApprovalResponse },
      errors: [404],
      example: { body: { customerId: 1, amount: 100, description: 'Demo account credits' } },
      body: addCreditsSchema,
      tenant: { body: 'customerId', action: 'add credits to' },
      idempotent: 'credits.add',
    },
    async ({ db, caller, body }) => {
      const out = await requestGrant(db, caller, body);
      if ('approval' in out) {
        return answer(202, { approval: out.approval, message: `Waiting for approval: grants above the approval threshold are booked once another SUPER_ADMIN approves them` });
      }
      return { success: true, message: 'Credits added successfully', transaction: guideTransaction(out.transaction) };
    },
  ),
});
