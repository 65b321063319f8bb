import 'server-only';
import { z } from 'zod';
import { AUDIT_ACTIONS } from '@/app/shared/audit';
import { idParam, isoDate, orderParam, pageParams } from '../validation';

const DAY_MS = 86_400_000;

export const auditFilterSchema = z.strictObject({
  action: z.enum(AUDIT_ACTIONS, { error: 'Must be one of the audit actions (e.g. user.role_changed)' }).optional(),
  actorId: idParam.optional(),
  customerId: idParam.optional(),
  from: isoDate.transform((s) => new Date(s)).optional(),
  // Inclusive: a date alone means the whole of that day (UTC), as in the transactions list.
  to: isoDate.transform((s) => (s.length === 10 ? new Date(Date.parse(s) + DAY_MS - 1) : new Date(s))).optional(),
  order: orderParam,
  ...pageParams,
});
export type AuditFilter = z.output<typeof auditFilterSchema>;
