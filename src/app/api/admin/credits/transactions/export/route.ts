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
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRow(HEADER)));
    },
    async pull(controller) {
      const next = await rows.next();
      if (next.done) return controller.close();
      const t = next.value;
      controller.enqueue(
        encoder.encode(
          csvRow([t.id, t.createdAt, t.customerId, t.customerName, t.userId, t.username, t.type, t.amount, t.balanceBefore, t.balanceAfter, t.description, t.paymentId]),
        ),
      );
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
