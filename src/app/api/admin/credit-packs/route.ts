import { createPack, listPacks } from '@/app/lib/billing';
import { createPackSchema, packListResponse, packResponse } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/credit-packs: every credit pack, on sale or not. */
  GET: route({ permission: 'billing.packs.manage', summary: 'Every credit pack, on sale or not', response: packListResponse }, async ({ db }) => ({
    packs: await listPacks(db, { activeOnly: false }),
  })),
  /** POST /api/admin/credit-packs: a new pack (audited). */
  POST: route(
    {
      permission: 'billing.packs.manage',
      summary: 'Create a credit pack: so many credits for a price in minor units (cents)',
      response: packResponse,
      example: { body: { name: 'Starter', credits: 500, unitAmount: 1000, currency: 'usd' } },
      body: createPackSchema,
      status: 201,
    },
    async ({ db, caller, body }) => ({ pack: await createPack(db, caller, body) }),
  ),
});
