import { updateCustomer } from '@/app/lib/customers';
import { customerResponse, lowBalanceThresholdSchema } from '@/app/lib/customers/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /**
   * PUT /api/admin/customers/:id/low-balance-threshold { lowBalanceThreshold }: where credits.low
   * fires for this customer (null: the platform's LOW_BALANCE_THRESHOLD; 0: never). Its own
   * CUSTOMER_ADMINs may set it; the rest of the customer is a SUPER_ADMIN's to edit.
   */
  PUT: route(
    {
      permission: 'customers.alerts',
      summary: "Set a customer's low-balance threshold (null: the platform default; 0: no credits.low)",
      response: customerResponse,
      errors: [404],
      example: { params: { id: '1' }, body: { lowBalanceThreshold: 100 } },
      params: idParams,
      body: lowBalanceThresholdSchema,
      tenant: { params: 'id', action: 'set the low-balance threshold of' },
    },
    async ({ db, caller, params, body }) => ({
      customer: await updateCustomer(db, caller, params.id, body),
    }),
  ),
});
