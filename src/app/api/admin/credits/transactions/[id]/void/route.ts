import { guideTransaction, voidGrant } from '@/app/lib/credits';
import { transactionIdParams, voidSchema } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/admin/credits/transactions/:id/void { reason }: voids a grant's unspent remainder (SUPER_ADMIN). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route(
    { permission: 'credits.void', params: transactionIdParams, body: voidSchema, tenant: 'scope', idempotent: 'credits.void' },
    async ({ db, caller, tenant, params, body }) => ({
      success: true,
      message: 'Grant voided successfully',
      transaction: { ...guideTransaction(await voidGrant(db, caller, params.id, tenant, body.reason)), grantId: params.id },
    }),
  ),
});
