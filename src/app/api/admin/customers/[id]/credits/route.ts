import { creditSummary } from '@/app/lib/credits';
import { endpoint, route } from '@/app/lib/http/door';
import { creditSummaryResponse } from '@/app/lib/credits/schemas';
import { idParams } from '@/app/lib/validation';

/** GET /api/admin/customers/:id/credits: balance, lifetime breakdown and daily balance history. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'credits.read',
      summary: "A customer's balance, lifetime breakdown and daily balance history",
      response: creditSummaryResponse,
      example: { params: { id: '1' } },
      params: idParams,
      tenant: { params: 'id', action: 'view credits of' },
    },
    ({ db, params }) => creditSummary(db, params.id),
  ),
});
