import { approveGrant, wakeBulkJob } from '@/app/lib/grants-ops';
import { approvalParams, approveResponse } from '@/app/lib/grants-ops/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/admin/credits/approvals/{id}/approve: books the grant as the requester's (another SUPER_ADMIN only). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'credits.approve',
      summary: "Approve a pending grant (answers like the guide's add) or bulk batch; not one's own",
      response: approveResponse,
      errors: [409],
      params: approvalParams,
      idempotent: 'credits.approve',
    },
    async ({ db, caller, params, afterCommit }) => {
      const out = await approveGrant(db, caller, params.id);
      if (!out.transaction) {
        afterCommit(wakeBulkJob);
        return { success: true, message: 'Bulk grant approved: the batch is running', approval: out.approval, batchId: out.approval.batchId! };
      }
      return { success: true, message: 'Credits added successfully', approval: out.approval, transaction: out.transaction };
    },
  ),
});
