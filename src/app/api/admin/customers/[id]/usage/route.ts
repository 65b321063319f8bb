import { endpoint, route } from '@/app/lib/http/door';
import { customerUsage } from '@/app/lib/overview';
import { customerUsageResponse, usageQuerySchema } from '@/app/lib/overview/schemas';
import { idParams } from '@/app/lib/validation';

/** GET /api/admin/customers/:id/usage?days=30|90|365: usage per UTC day, the 14-day burn and the days the balance lasts. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'credits.read',
      summary: "A customer's credit usage per day (net of refunds) over the last `days` days, its average daily burn and how many days its balance lasts at it",
      response: customerUsageResponse,
      errors: [404],
      example: { params: { id: '1' }, query: { days: '30' } },
      params: idParams,
      query: usageQuerySchema,
      tenant: { params: 'id', action: 'view credits of' },
    },
    ({ db, params, query }) => customerUsage(db, params.id, query.days),
  ),
});
