import { getBatch } from '@/app/lib/grants-ops';
import { batchParams, batchQuerySchema, batchResponse } from '@/app/lib/grants-ops/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/admin/credits/bulk/{batchId}: a batch's progress and each row's outcome (`?rows=false`: the counts only). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'credits.bulk',
      summary: "A bulk grant batch's status, progress and per-row results",
      response: batchResponse,
      params: batchParams,
      query: batchQuerySchema,
    },
    ({ db, params, query }) => getBatch(db, params.batchId, query.rows),
  ),
});
