import { getCustomer, updateCustomer } from '@/app/lib/customers';
import { updateCustomerSchema } from '@/app/lib/customers/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/customers/:id */
  GET: route({ permission: 'customers.read', params: idParams, tenant: { params: 'id', action: 'view' } }, async ({ db, params }) => ({
    customer: await getCustomer(db, params.id),
  })),
  /** PATCH /api/admin/customers/:id: name, status, contactEmail, maxUsers, logoUrl (SUPER_ADMIN). */
  PATCH: route({ permission: 'customers.update', params: idParams, body: updateCustomerSchema }, async ({ db, caller, params, body }) => ({
    customer: await updateCustomer(db, caller, params.id, body),
  })),
});
