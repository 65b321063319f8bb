import { rejectGrant } from '@/app/lib/grants-ops';
import { approvalParams, rejectResponse, rejectSchema } from '@/app/lib/grants-ops/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/admin/credits/approvals/{id}/reject { reason }: refuses a pending grant; nothing is booked. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'credits.approve',
      summary: 'Reject a pending grant or bulk batch, with a reason',
      response: rejectResponse,
      errors: [409],
      params: approvalParams,
      body: rejectSchema,
      idempotent: 'credits.reject',
    },
    async ({ db, caller, params, body }) => ({ success: true, approval: await rejectGrant(db, caller, params.id, body.reason) }),
  ),
});
