import { createCustomer, listCustomers } from '@/app/lib/customers';
import { createCustomerSchema, customerListSchema } from '@/app/lib/customers/schemas';
import { endpoint, route } from '@/app/lib/http/door';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/customers: search, sort and page through customer_stats. */
  GET: route({ permission: 'customers.read', query: customerListSchema, tenant: 'scope' }, ({ reads, tenant, query }) =>
    listCustomers(reads, tenant, query),
  ),
  /** POST /api/admin/customers: create a customer (SUPER_ADMIN). */
  POST: route({ permission: 'customers.create', body: createCustomerSchema, status: 201 }, async ({ db, body }) => ({
    customer: await createCustomer(db, body),
  })),
});
