import { getPurchase } from '@/app/lib/billing';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** GET /api/billing/purchases/:id: one purchase with its refunds (the receipt's content). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'billing.read', params: idParams, tenant: 'scope' }, async ({ db, tenant, params }) => ({
    purchase: await getPurchase(db, params.id, tenant),
  })),
});
