import { oneCustomer, startCheckout } from '@/app/lib/billing';
import { checkoutSchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { publicUrl } from '@/app/lib/http/public-url';

/** POST /api/billing/checkout { packId }: a pending purchase and its Stripe Checkout Session → { url, purchaseId }. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route({ permission: 'billing.buy', body: checkoutSchema, tenant: 'scope' }, ({ req, db, caller, tenant, body }) =>
    startCheckout(db, caller, oneCustomer(tenant), body.packId, publicUrl(req)),
  ),
});
