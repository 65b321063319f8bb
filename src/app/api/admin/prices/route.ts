import { endpoint, route } from '@/app/lib/http/door';
import { priceList, setPlatformPrices } from '@/app/lib/searches/prices';
import { priceListSchema } from '@/app/lib/searches/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/prices: the platform's price list (each type's credits, what it is per, where it comes from). */
  GET: route({ permission: 'prices.manage' }, async ({ db }) => ({ prices: await priceList(db, null) })),
  /** PUT /api/admin/prices { prices: { type: credits } }: replaces the list; types left out cost SEARCH_CREDIT_COST. */
  PUT: route({ permission: 'prices.manage', body: priceListSchema }, ({ db, caller, body }) => setPlatformPrices(db, caller.id, body)),
});
