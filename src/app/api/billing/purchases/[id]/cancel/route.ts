import { z } from 'zod';
import { cancelCheckout } from '@/app/lib/billing';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** POST /api/billing/purchases/:id/cancel: ends a pending checkout the buyer left (its session can no longer be paid). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    {
      permission: 'billing.buy',
      summary: 'End a pending checkout the buyer left (its Stripe session can no longer be paid)',
      response: z.object({ cancelled: z.literal(true) }),
      errors: [502, 503],
      example: { params: { id: '1' } },
      params: idParams,
      tenant: 'scope',
    },
    async ({ db, tenant, params }) => {
      await cancelCheckout(db, tenant, params.id);
      return { cancelled: true };
    },
  ),
});
