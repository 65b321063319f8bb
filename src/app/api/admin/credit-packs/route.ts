import { createPack, listPacks } from '@/app/lib/billing';
import { createPackSchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET / POST /api/admin/credit-packs: every credit pack (on sale or not); a new one. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'billing.packs.manage' }, async ({ db }) => ({ packs: await listPacks(db, { activeOnly: false }) })),
  POST: route({ permission: 'billing.packs.manage', body: createPackSchema, status: 201 }, async ({ db, caller, body }) => ({ pack: await createPack(db, caller, body) })),
});
