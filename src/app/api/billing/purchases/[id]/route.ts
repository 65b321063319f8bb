import { getPurchase } from '@/app/lib/billing';
import { purchaseResponse } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** GET /api/billing/purchases/:id: one purchase with its refunds (the receipt's content). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'billing.read',
      summary: 'One purchase with its refunds (what its receipt shows)',
      response: purchaseResponse,
      example: { params: { id: '1' } },
      params: idParams,
      tenant: 'scope',
    },
    async ({ db, tenant, params }) => ({ purchase: await getPurchase(db, params.id, tenant) }),
  ),
});
