import { listAudit } from '@/app/lib/audit';
import { auditFilterSchema } from '@/app/lib/audit/schemas';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/admin/audit: the audit log, newest first (SUPER_ADMIN: every customer; CUSTOMER_ADMIN: their own). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    { permission: 'audit.read', query: auditFilterSchema, tenant: { query: 'customerId', action: 'view the audit log of' } },
    ({ reads, tenant, query }) => listAudit(reads, tenant, query),
  ),
});
