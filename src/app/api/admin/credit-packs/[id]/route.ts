import { updatePack } from '@/app/lib/billing';
import { packResponse, updatePackSchema } from '@/app/lib/billing/schemas';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** PATCH /api/admin/credit-packs/:id: edit a pack or take it off sale (`active`); past purchases keep their price. Audited. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  PATCH: route(
    {
      permission: 'billing.packs.manage',
      summary: 'Edit a credit pack or take it off sale; purchases keep the price they were made at',
      response: packResponse,
      example: { params: { id: '1' }, body: { name: 'Starter pack' } },
      params: idParams,
      body: updatePackSchema,
    },
    async ({ db, caller, params, body }) => ({ pack: await updatePack(db, caller, params.id, body) }),
  ),
});
