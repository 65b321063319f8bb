import { previewAnswer, previewBulk, submitBulk, wakeBulkJob } from '@/app/lib/grants-ops';
import { bulkCsvSchema, bulkJsonSchema, bulkPreviewResponse, bulkQuerySchema, bulkSubmitResponse } from '@/app/lib/grants-ops/schemas';
import { answer, endpoint, route } from '@/app/lib/http/door';
import { badRequest } from '@/app/lib/errors';

/**
 * POST /api/admin/credits/bulk: up to 10,000 grants from CSV or JSON. `?dryRun=true` checks every
 * row and writes nothing; otherwise (with an Idempotency-Key) the batch is stored and booked by a job.
 */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'credits.bulk',
      summary: 'Grant credits in bulk (CSV or JSON); ?dryRun=true previews, otherwise 202 { batchId } and a job books the rows',
      response: bulkPreviewResponse,
      alternatives: { 202: bulkSubmitResponse },
      example: { query: { dryRun: 'true' }, body: { rows: [{ customerId: 1, amount: 100, description: 'Q4 promotion' }] } },
      query: bulkQuerySchema,
      body: bulkJsonSchema,
      csv: bulkCsvSchema,
      maxBodyBytes: 8 * 1024 * 1024,
      idempotent: 'credits.bulk',
    },
    async ({ req, db, caller, query, body, afterCommit }) => {
      if (query.dryRun) return previewAnswer(await previewBulk(db, body));
      if (!req.headers.get('idempotency-key')) {
        throw badRequest('Idempotency-Key required', 'A bulk grant needs an Idempotency-Key header (e.g. a UUID), so that sending it again never grants twice');
      }
      const out = await submitBulk(db, caller, body);
      if (!out.approval) afterCommit(wakeBulkJob);
      return answer(202, out);
    },
  ),
});
