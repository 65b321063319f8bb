import 'server-only';
import { recordAudit } from '../audit';
import type { Caller } from '../auth/caller';
import type { Db, Queryable } from '../db';
import { invalid, notFound } from '../errors';
import type { BatchStatus } from '@/app/shared/bulk';
import { createApproval, getApproval, type Approval } from './approvals';
import { countDailyGrant, needsApproval } from './controls';
import { bulkRowSchema, type BulkRow } from './schemas';

/**
 * Bulk grants: an upload's rows are checked (the preview a dry run answers), then stored as a
 * batch whose job books each valid row as an ordinary admin grant of the requester (bulk-run.ts).
 */
export interface PreviewRow {
  line: number;
  customerId: number | null;
  customerName: string | null;
  amount: number | null;
  description: string | null;
  ok: boolean;
  error: string | null;
  /** The checked row, for a valid one. */
  grant?: { customerId: number; amount: number; description: string; category?: string; expiresAt?: Date };
}

export interface Preview {
  rows: PreviewRow[];
  valid: number;
  invalid: number;
  totalCredits: number;
}

// What a spreadsheet would run as a formula when the file, or the results CSV, is opened again.
const FORMULA = /^[=+\-@\t\r]/;
const whole = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : null);

function checkRow(row: BulkRow): Omit<PreviewRow, 'customerName'> {
  const base = { line: row.line, customerId: whole(row.fields.customerId), amount: whole(row.fields.amount), description: text(row.fields.description) };
  if (row.problem) return { ...base, ok: false, error: row.problem };
  const formula = Object.entries(row.fields).find(([, v]) => typeof v === 'string' && FORMULA.test(v.trim()));
  if (formula) {
    return { ...base, ok: false, error: `${formula[0]} starts with "${String(formula[1]).trim()[0]}": spreadsheet formulas are not accepted` };
  }
  const parsed = bulkRowSchema.safeParse(row.fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? `Unknown field ${issue.keys.join(', ')}` : issue.message;
    return { ...base, ok: false, error: field };
  }
  return { ...base, ok: true, error: null, grant: parsed.data };
}

/** Checks every row: its values (the add endpoint's rules), and that its customer exists. Writes nothing. */
export async function previewBulk(db: Queryable, rows: BulkRow[]): Promise<Preview> {
  const checked = rows.map(checkRow);
  const ids = [...new Set(checked.flatMap((r) => (r.customerId !== null && r.customerId > 0 && r.customerId <= 2_147_483_647 ? [r.customerId] : [])))];
  const { rows: customers } = await db.query<{ id: number; name: string }>('SELECT id, name FROM customers WHERE id = ANY($1::int[])', [ids]);
  const names = new Map(customers.map((c) => [c.id, c.name]));
  const out = checked.map((r): PreviewRow => {
    const customerName = r.customerId === null ? null : (names.get(r.customerId) ?? null);
    if (r.ok && customerName === null) return { ...r, customerName, ok: false, error: `No customer with ID ${r.customerId}`, grant: undefined };
    return { ...r, customerName };
  });
  const valid = out.filter((r) => r.ok);
  return { rows: out, valid: valid.length, invalid: out.length - valid.length, totalCredits: valid.reduce((n, r) => n + r.amount!, 0) };
}

/** The dry run's answer: the preview without the checked values. */
export const previewAnswer = (p: Preview) => ({ ...p, rows: p.rows.map(({ grant: _grant, ...r }) => r) });

/**
 * Stores the batch: its valid rows pending, its invalid ones failed with their reason, counted
 * against the requester's daily limit as a whole. Above GRANT_APPROVAL_THRESHOLD it waits for one
 * approval of the whole batch; otherwise its job may start once this commits.
 */
export async function submitBulk(db: Db, caller: Caller, rows: BulkRow[]): Promise<{ batchId: number; approval?: Approval }> {
  const preview = await previewBulk(db, rows);
  if (preview.valid === 0) {
    const details = Object.fromEntries(preview.rows.slice(0, 20).map((r) => [`line ${r.line}`, r.error]));
    throw invalid('No row can be granted', details);
  }
  const approval = needsApproval(caller, preview.totalCredits);
  return db.transaction(async (tx) => {
    const day = await countDailyGrant(tx, caller, preview.totalCredits);
    const status: BatchStatus = approval ? 'pending_approval' : 'running';
    const { rows: made } = await tx.query<{ id: number }>(
      `INSERT INTO bulk_grant_batches (requested_by, requested_by_username, status, total, total_credits, counted_day)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [caller.id, caller.username, status, preview.rows.length, preview.totalCredits, day],
    );
    const batchId = made[0]!.id;
    const r = preview.rows;
    await tx.query(
      `INSERT INTO bulk_grant_rows (batch_id, line, customer_id, amount, description, category, grant_expires_at, status, error)
       SELECT $1, * FROM unnest($2::int[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[])`,
      [
        batchId,
        r.map((x) => x.line),
        r.map((x) => x.customerId),
        r.map((x) => x.amount),
        r.map((x) => x.grant?.description ?? x.description),
        r.map((x) => x.grant?.category ?? null),
        r.map((x) => x.grant?.expiresAt?.toISOString() ?? null),
        r.map((x) => (x.ok ? 'pending' : 'failed')),
        r.map((x) => x.error),
      ],
    );
    await recordAudit(tx, {
      action: 'credits.bulk_submitted',
      actor: caller,
      target: { type: 'bulk_batch', id: batchId },
      after: { rows: r.length, valid: preview.valid, invalid: preview.invalid, totalCredits: preview.totalCredits, status },
    });
    if (!approval) return { batchId };
    const customers = new Set(r.filter((x) => x.ok).map((x) => x.customerId)).size;
    const description = `Bulk grant #${batchId}: ${preview.valid} rows, ${customers} customer${customers === 1 ? '' : 's'}`;
    return { batchId, approval: await createApproval(tx, caller, { batchId, amount: preview.totalCredits, description }, day) };
  });
}

interface BatchRow {
  id: number;
  status: BatchStatus;
  total: number;
  total_credits: number;
  requested_by_username: string;
  created_at: Date;
  finished_at: Date | null;
  succeeded: number;
  failed: number;
  approval_id: number | null;
}

/** GET /api/admin/credits/bulk/{batchId}: progress, and (unless `rows` is false) every row's outcome. */
export async function getBatch(db: Queryable, batchId: number, withRows: boolean) {
  const { rows } = await db.query<BatchRow>(
    `SELECT b.id, b.status, b.total, b.total_credits, b.requested_by_username, b.created_at, b.finished_at,
            (SELECT count(*) FROM bulk_grant_rows r WHERE r.batch_id = b.id AND r.status = 'succeeded')::int AS succeeded,
            (SELECT count(*) FROM bulk_grant_rows r WHERE r.batch_id = b.id AND r.status = 'failed')::int AS failed,
            (SELECT max(a.id) FROM grant_approvals a WHERE a.batch_id = b.id) AS approval_id
       FROM bulk_grant_batches b WHERE b.id = $1`,
    [batchId],
  );
  const b = rows[0];
  if (!b) throw notFound('Batch', `No bulk grant batch with ID ${batchId}`);
  const items = withRows
    ? (
        await db.query<{ line: number; customer_id: number | null; customer_name: string | null; amount: number | null; description: string | null; status: 'pending' | 'succeeded' | 'failed'; error: string | null; transaction_id: number | null }>(
          `SELECT r.line, r.customer_id, c.name AS customer_name, r.amount, r.description, r.status, r.error, r.transaction_id
             FROM bulk_grant_rows r LEFT JOIN customers c ON c.id = r.customer_id
            WHERE r.batch_id = $1 ORDER BY r.line`,
          [batchId],
        )
      ).rows.map((r) => ({
        line: r.line,
        customerId: r.customer_id,
        customerName: r.customer_name,
        amount: r.amount,
        description: r.description,
        status: r.status,
        error: r.error,
        transactionId: r.transaction_id,
      }))
    : [];
  return {
    batchId: b.id,
    status: b.status,
    total: b.total,
    processed: b.succeeded + b.failed,
    succeeded: b.succeeded,
    failed: b.failed,
    totalCredits: Number(b.total_credits),
    requestedBy: b.requested_by_username,
    createdAt: b.created_at.toISOString(),
    finishedAt: b.finished_at?.toISOString() ?? null,
    approval: b.approval_id === null ? null : await getApproval(db, b.approval_id),
    rows: items,
  };
}
