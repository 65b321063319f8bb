import { listApprovals } from '@/app/lib/grants-ops';
import { approvalListSchema, approvalPageResponse } from '@/app/lib/grants-ops/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/admin/credits/approvals?status=: grant approvals, newest first. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'credits.read',
      summary: 'Grant approvals (pending, approved, rejected, expired), newest first',
      response: approvalPageResponse,
      example: { query: { status: 'pending' } },
      query: approvalListSchema,
      tenant: { query: 'customerId', action: 'view approvals of' },
    },
    ({ reads, tenant, query }) => listApprovals(reads, tenant, query),
  ),
});
