import { balanceAt, creditSummary } from '@/app/lib/credits';
import { balanceAtSchema, creditSummaryResponse } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/**
 * GET /api/admin/customers/:id/credits: balance, breakdown, daily balance history and what expires
 * soon; with `?at=<ISO-8601>`, the balance and breakdown as they were at that moment.
 */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'credits.read',
      summary: "A customer's balance and breakdown (as of `at`, if given), daily balance history and what expires soon",
      response: creditSummaryResponse,
      example: { params: { id: '1' } },
      params: idParams,
      query: balanceAtSchema,
      tenant: { params: 'id', action: 'view credits of' },
    },
    ({ reads, params, query }) => (query.at ? balanceAt(reads, params.id, query.at) : creditSummary(reads, params.id)),
  ),
});
