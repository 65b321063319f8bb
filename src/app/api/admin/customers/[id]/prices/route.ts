import { endpoint, route } from '@/app/lib/http/door';
import { customerPriceList, setCustomerPrices } from '@/app/lib/searches/prices';
import { priceListSchema } from '@/app/lib/searches/schemas';
import { idParams } from '@/app/lib/validation';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/customers/:id/prices: what each look-up type costs this customer. */
  GET: route({ permission: 'prices.read', params: idParams, tenant: { params: 'id', action: 'view the prices of' } }, ({ db, params }) =>
    customerPriceList(db, params.id),
  ),
  /** PUT /api/admin/customers/:id/prices { prices: { type: credits } }: replaces the customer's overrides (SUPER_ADMIN). */
  PUT: route({ permission: 'prices.manage', params: idParams, body: priceListSchema }, ({ db, caller, params, body }) =>
    setCustomerPrices(db, caller.id, params.id, body),
  ),
});
