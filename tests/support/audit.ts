import type { ApiClient } from './http-client';

/** A customer's audit events (newest first), read through GET /api/admin/audit as the given admin. */
export async function auditEvents(admin: ApiClient, query: Record<string, string | number>): Promise<any[]> {
  const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  q.set('pageSize', '100');
  const page = await admin.expectJson(admin.get(`/api/admin/audit?${q}`), 200);
  return page.items;
}
