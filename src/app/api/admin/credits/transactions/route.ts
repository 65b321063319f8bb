import { listTransactions } from '@/app/lib/credits';
import { transactionFilterSchema, transactionPageResponse } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/admin/credits/transactions: the audit trail, newest first. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'credits.read',
      summary: 'The audit trail of credit changes, newest first, filtered and paged',
      response: transactionPageResponse,
      example: { query: { pageSize: '5' } },
      query: transactionFilterSchema,
      tenant: { query: 'customerId', action: 'view transactions of' },
    },
    ({ reads, tenant, query }) => listTransactions(reads, tenant, query),
  ),
});
