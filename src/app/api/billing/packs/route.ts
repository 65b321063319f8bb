import { listPacks } from '@/app/lib/billing';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/billing/packs: the packs on sale. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'billing.packs.read' }, async ({ db }) => ({ packs: await listPacks(db, { activeOnly: true }) })),
});
