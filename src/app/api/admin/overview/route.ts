import { endpoint, route } from '@/app/lib/http/door';
import { overview } from '@/app/lib/overview';
import { overviewResponse } from '@/app/lib/overview/schemas';

/** GET /api/admin/overview: the platform's credits at a glance (SUPER_ADMIN). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'overview.read',
      summary:
        'Platform overview: outstanding credits (paid vs promotional), this month against last, daily usage of the last 90 days, top customers, customers running low, credits expiring in 30 days',
      response: overviewResponse,
    },
    ({ db, reads }) => overview(db, reads),
  ),
});
