import { getCustomer, updateCustomer } from '@/app/lib/customers';
import { customerResponse, updateCustomerSchema } from '@/app/lib/customers/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/customers/:id */
  GET: route(
    {
      permission: 'customers.read',
      summary: 'One customer with its credits and counts',
      response: customerResponse,
      example: { params: { id: '1' } },
      params: idParams,
      tenant: { params: 'id', action: 'view' },
    },
    async ({ db, params }) => ({
      customer: await getCustomer(db, params.id),
    }),
  ),
  /** PATCH /api/admin/customers/:id: name, status, contactEmail, maxUsers, logoUrl (SUPER_ADMIN). */
  PATCH: route(
    {
      permission: 'customers.update',
      summary: "Edit a customer's name, status, contact email, seats or logo",
      response: customerResponse,
      errors: [409],
      example: { params: { id: '1' }, body: { contactEmail: 'billing@acme.example' } },
      params: idParams,
      body: updateCustomerSchema,
    },
    async ({ db, caller, params, body }) => ({
      customer: await updateCustomer(db, caller, params.id, body),
    }),
  ),
});
