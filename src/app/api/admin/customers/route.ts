import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { createCustomer, listCustomers } from '@/app/lib/customers';
import { json, readJson } from '@/app/lib/http';
import { parseOrThrow, searchParamsObject } from '@/app/lib/validation/common';
import { createCustomerSchema, customerListSchema } from '@/app/lib/validation/customers';

/** GET /api/admin/customers: search, sort and page through customer_stats. */
export const GET = withAuth('customers.read', async (ctx) => {
  const query = parseOrThrow(customerListSchema, searchParamsObject(new URL(ctx.req.url)));
  return json(await listCustomers(ctx.db, tenantOf(ctx, undefined, 'view'), query));
});

/** POST /api/admin/customers: create a customer (SUPER_ADMIN). */
export const POST = withAuth('customers.create', async (ctx) => {
  const input = parseOrThrow(createCustomerSchema, await readJson(ctx.req));
  return json({ customer: await createCustomer(ctx.db, input) }, 201);
});
