import { allTransactions } from '@/app/lib/credits';
import { transactionFilterSchema } from '@/app/lib/credits/schemas';
import { csvResponse } from '@/app/lib/http/csv';
import { endpoint, route } from '@/app/lib/http/door';

const HEADER = ['id', 'created_at', 'customer_id', 'customer_name', 'user_id', 'username', 'type', 'amount', 'balance_before', 'balance_after', 'description', 'payment_id'];

/** GET /api/admin/credits/transactions/export: the filtered audit trail as CSV, streamed. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'credits.read',
      summary: 'The filtered audit trail as a CSV download (text/csv)',
      example: { query: { type: 'admin_grant' } },
      query: transactionFilterSchema,
      tenant: { query: 'customerId', action: 'export transactions of' },
    },
    ({ reads, tenant, query }) =>
      csvResponse(
        `credit-transactions-${new Date().toISOString().slice(0, 10)}.csv`,
        HEADER,
        allTransactions(reads, tenant, query),
        (t) => [t.id, t.createdAt, t.customerId, t.customerName, t.userId, t.username, t.type, t.amount, t.balanceBefore, t.balanceAfter, t.description, t.paymentId],
      ),
  ),
});
