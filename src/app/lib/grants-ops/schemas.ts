import 'server-only';
import { z } from 'zod';
import { APPROVAL_STATUSES, BATCH_STATUSES, BULK_ROW_STATUSES, MAX_BULK_ROWS } from '@/app/shared/bulk';
import { addCreditsSchema, guideTransactionSchema } from '../credits/schemas';
import { idParam, idParams, isoTime, pageParams, pageSchema } from '../validation';
import { csvRows, CsvError, type BulkRow } from './csv-input';

export type { BulkRow } from './csv-input';

const tooMany = (n: number) => `At most ${MAX_BULK_ROWS.toLocaleString('en-US')} rows per upload, got ${n.toLocaleString('en-US')}`;

/** POST /api/admin/credits/bulk as JSON: `{ rows: [{ customerId, amount, description, expiresAt?, category? }] }`. */
export const bulkJsonSchema = z
  .strictObject({
    rows: z
      .array(z.record(z.string(), z.unknown(), { error: 'Each row must be an object' }), { error: 'rows must be an array of rows' })
      .min(1, 'Send at least one row')
      .refine((rows) => rows.length <= MAX_BULK_ROWS, { error: (i) => tooMany((i.input as unknown[]).length) }),
  })
  .transform(({ rows }): BulkRow[] => rows.map((fields, i) => ({ line: i + 1, fields })));

/** The same as `text/csv`: a header line, then one row per line. */
export const bulkCsvSchema = z.string().transform((text, ctx): BulkRow[] => {
  try {
    const rows = csvRows(text);
    if (rows.length === 0) ctx.addIssue({ code: 'custom', message: 'Send at least one row below the header' });
    if (rows.length > MAX_BULK_ROWS) ctx.addIssue({ code: 'custom', message: tooMany(rows.length) });
    return rows;
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

/** One row's checks: the guide's add body without priority. */
export const bulkRowSchema = addCreditsSchema.omit({ priority: true });

export const bulkQuerySchema = z.strictObject({
  dryRun: z.enum(['true', 'false'], { error: 'dryRun must be true or false' }).optional().transform((v) => v === 'true'),
});

export const batchQuerySchema = z.strictObject({
  rows: z.enum(['true', 'false'], { error: 'rows must be true or false' }).optional().transform((v) => v !== 'false'),
});

export const batchParams = z.object({ batchId: idParam });

export const approvalListSchema = z.strictObject({
  status: z.enum(APPROVAL_STATUSES, { error: `Must be one of ${APPROVAL_STATUSES.join(', ')}` }).optional(),
  customerId: idParam.optional(),
  ...pageParams,
});
export type ApprovalListQuery = z.output<typeof approvalListSchema>;

export const approvalParams = idParams;

export const rejectSchema = z.strictObject({
  reason: z.string({ error: 'Reason is required' }).trim().min(1, 'Reason is required').max(500, 'Reason must be at most 500 characters'),
});

// --- answers -------------------------------------------------------------------------------------

const previewRow = z.object({
  line: z.number().int(),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  amount: z.number().int().nullable(),
  description: z.string().nullable(),
  ok: z.boolean(),
  error: z.string().nullable(),
});
export const bulkPreviewResponse = z.object({
  rows: z.array(previewRow),
  valid: z.number().int(),
  invalid: z.number().int(),
  totalCredits: z.number().int(),
});

export const approvalSchema = z.object({
  id: z.number().int(),
  status: z.enum(APPROVAL_STATUSES),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  batchId: z.number().int().nullable(),
  amount: z.number().int(),
  description: z.string(),
  requestedBy: z.string(),
  requestedAt: isoTime,
  expiresAt: isoTime,
  decidedBy: z.string().nullable(),
  decidedAt: isoTime.nullable(),
  reason: z.string().nullable(),
  transactionId: z.number().int().nullable(),
});
export const approvalPageResponse = pageSchema(approvalSchema);
export const pendingApprovalResponse = z.object({ approval: approvalSchema, message: z.string() });

export const bulkSubmitResponse = z.object({ batchId: z.number().int(), approval: approvalSchema.optional() });

export const batchResponse = z.object({
  batchId: z.number().int(),
  status: z.enum(BATCH_STATUSES),
  total: z.number().int(),
  processed: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  totalCredits: z.number().int(),
  requestedBy: z.string(),
  createdAt: isoTime,
  finishedAt: isoTime.nullable(),
  approval: approvalSchema.nullable(),
  rows: z.array(
    z.object({
      line: z.number().int(),
      customerId: z.number().int().nullable(),
      customerName: z.string().nullable(),
      amount: z.number().int().nullable(),
      description: z.string().nullable(),
      status: z.enum(BULK_ROW_STATUSES),
      error: z.string().nullable(),
      transactionId: z.number().int().nullable(),
    }),
  ),
});

export const approveResponse = z.object({
  success: z.literal(true),
  message: z.string(),
  approval: approvalSchema,
  transaction: guideTransactionSchema.optional(),
  batchId: z.number().int().optional(),
});
export const rejectResponse = z.object({ success: z.literal(true), approval: approvalSchema });
