import { oneCustomer, startCheckout } from '@/app/lib/billing';
import { checkoutResponse, checkoutSchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { publicUrl } from '@/app/lib/http/public-url';

/** POST /api/billing/checkout { packId }: a pending purchase and its Stripe Checkout Session → { url, purchaseId }. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'billing.buy',
      summary: 'Start buying a pack: a pending purchase and the Stripe Checkout page to send the browser to',
      response: checkoutResponse,
      errors: [404, 502, 503],
      example: { body: { packId: 1 } },
      body: checkoutSchema,
      tenant: 'scope',
    },
    ({ req, db, caller, tenant, body }) => startCheckout(db, caller, oneCustomer(tenant), body.packId, publicUrl(req)),
  ),
});
