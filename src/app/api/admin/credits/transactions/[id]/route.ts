import { getTransaction } from '@/app/lib/credits';
import { transactionIdParams } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/admin/credits/transactions/:id: one ledger row with its allocations (a debit) or consumption (a grant). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'credits.read', params: transactionIdParams, tenant: 'scope' }, ({ db, tenant, params }) =>
    getTransaction(db, params.id, tenant),
  ),
});
