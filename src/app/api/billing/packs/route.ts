import { listPacks } from '@/app/lib/billing';
import { packListResponse } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/billing/packs: the packs on sale. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'billing.packs.read', summary: 'The credit packs on sale', response: packListResponse }, async ({ db }) => ({
    packs: await listPacks(db, { activeOnly: true }),
  })),
});
