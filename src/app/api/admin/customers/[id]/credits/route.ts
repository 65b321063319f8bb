import { creditSummary } from '@/app/lib/credits';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** GET /api/admin/customers/:id/credits: balance, lifetime breakdown and daily balance history. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    { permission: 'credits.read', params: idParams, tenant: { params: 'id', action: 'view credits of' } },
    ({ reads, params }) => creditSummary(reads, params.id),
  ),
});
