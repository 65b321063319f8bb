import { createCustomer, listCustomers } from '@/app/lib/customers';
import { createCustomerSchema, customerListSchema, customerPageResponse, customerResponse } from '@/app/lib/customers/schemas';
import { endpoint, route } from '@/app/lib/http/door';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/customers: search, sort and page through customer_stats. */
  GET: route(
    {
      permission: 'customers.read',
      summary: 'Customers with their credits: search, sort, page',
      response: customerPageResponse,
      example: { query: { search: 'Acme', pageSize: '5' } },
      query: customerListSchema,
      tenant: 'scope',
    },
    ({ reads, tenant, query }) => listCustomers(reads, tenant, query),
  ),
  /** POST /api/admin/customers: create a customer (SUPER_ADMIN). */
  POST: route(
    {
      permission: 'customers.create',
      summary: 'Create a customer',
      response: customerResponse,
      example: { body: { name: 'Acme Corp', contactEmail: 'ops@acme.example', maxUsers: 10 } },
      body: createCustomerSchema,
      status: 201,
    },
    async ({ db, caller, body }) => ({
      customer: await createCustomer(db, caller, body),
    }),
  ),
});
