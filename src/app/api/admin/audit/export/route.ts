import { allAudit } from '@/app/lib/audit';
import { auditFilterSchema } from '@/app/lib/audit/schemas';
import { csvResponse } from '@/app/lib/http/csv';
import { endpoint, route } from '@/app/lib/http/door';

const HEADER = ['id', 'created_at', 'action', 'actor_id', 'actor_username', 'customer_id', 'customer_name', 'target_type', 'target_id', 'before', 'after', 'address', 'user_agent', 'api_key_id', 'api_key_prefix'];
const asJson = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** GET /api/admin/audit/export: the filtered audit log as CSV, streamed. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    { permission: 'audit.read', query: auditFilterSchema, tenant: { query: 'customerId', action: 'export the audit log of' } },
    ({ reads, tenant, query }) =>
      csvResponse(`audit-log-${new Date().toISOString().slice(0, 10)}.csv`, HEADER, allAudit(reads, tenant, query), (e) => [
        e.id,
        e.createdAt,
        e.action,
        e.actorId,
        e.actorUsername,
        e.customerId,
        e.customerName,
        e.targetType,
        e.targetId,
        asJson(e.before),
        asJson(e.after),
        e.address,
        e.userAgent,
        e.actorApiKey?.id ?? null,
        e.actorApiKey?.prefix ?? null,
      ]),
  ),
});
