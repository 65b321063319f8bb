import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { allTransactions } from '@/app/lib/credits';
import { csvRow } from '@/app/lib/csv';
import { parseOrThrow, searchParamsObject } from '@/app/lib/validation/common';
import { transactionFilterSchema } from '@/app/lib/validation/credits';

const HEADER = ['id', 'created_at', 'customer_id', 'customer_name', 'user_id', 'username', 'type', 'amount', 'balance_before', 'balance_after', 'description', 'payment_id'];

/** GET /api/admin/credits/transactions/export: the filtered audit trail as CSV, streamed. */
export const GET = withAuth('credits.read', async (ctx) => {
  const filter = parseOrThrow(transactionFilterSchema, searchParamsObject(new URL(ctx.req.url)));
  const customerId = tenantOf(ctx, filter.customerId, 'export transactions of');
  const rows = allTransactions(ctx.db, customerId, filter);
  // The first row is fetched before answering, so a failing query is still a proper error response
  // rather than a 200 cut off mid-stream.
  let next = await rows.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRow(HEADER)));
    },
    async pull(controller) {
      if (next.done) return controller.close();
      const t = next.value;
      controller.enqueue(
        encoder.encode(
          csvRow([t.id, t.createdAt, t.customerId, t.customerName, t.userId, t.username, t.type, t.amount, t.balanceBefore, t.balanceAfter, t.description, t.paymentId]),
        ),
      );
      next = await rows.next();
    },
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="credit-transactions-${stamp}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
});
