import { receiveStripeEvent } from '@/app/lib/billing';
import { endpoint, signedRoute } from '@/app/lib/http/door';

/**
 * POST /api/webhooks/stripe: Stripe's events. Not a cookie route: Stripe proves itself with the
 * `Stripe-Signature` header over the raw body (verified by the library, 5-minute tolerance); a
 * missing or bad signature is a 400 that changes nothing, a body that isn't application/json a 415.
 */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: signedRoute({ signedBy: 'Stripe-Signature', maxBytes: 1024 * 1024, type: 'json' }, ({ db, body, headers }) =>
    receiveStripeEvent(db, body, headers.get('stripe-signature')),
  ),
});
