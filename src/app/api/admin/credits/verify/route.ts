import { verifyLedger } from '@/app/lib/credits';
import { verifySchema } from '@/app/lib/credits/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/admin/credits/verify?customerId=: recomputes the hash chain (SUPER_ADMIN; every customer when omitted). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'credits.verify', query: verifySchema }, ({ db, query }) => verifyLedger(db, query.customerId)),
});
