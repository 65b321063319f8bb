import { tenantOf, withAuth } from '@/app/lib/auth/with-auth';
import { getCustomer, updateCustomer } from '@/app/lib/customers';
import { json, readJson } from '@/app/lib/http';
import { idParam, parseOrThrow } from '@/app/lib/validation/common';
import { updateCustomerSchema } from '@/app/lib/validation/customers';

type Params = { id: string };

/** GET /api/admin/customers/:id */
export const GET = withAuth<Params>('customers.read', async (ctx) => {
  const id = parseOrThrow(idParam, ctx.params.id);
  tenantOf(ctx, id, 'view');
  return json({ customer: await getCustomer(ctx.db, id) });
});

/** PATCH /api/admin/customers/:id: name, status, contactEmail, maxUsers, logoUrl (SUPER_ADMIN). */
export const PATCH = withAuth<Params>('customers.update', async (ctx) => {
  const id = parseOrThrow(idParam, ctx.params.id);
  const patch = parseOrThrow(updateCustomerSchema, await readJson(ctx.req));
  return json({ customer: await updateCustomer(ctx.db, id, patch) });
});
