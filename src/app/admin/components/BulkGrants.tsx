'use client';

import { useEffect, useState } from 'react';
import { csvRow } from '@/app/shared/csv';
import { MAX_BULK_ROWS } from '@/app/shared/bulk';
import { ApiError, apiFetch } from '@/app/_ui/api-client';
import { formatCredits, formatNumber } from '@/app/_ui/format';
import { ErrorAlert } from '@/app/_ui/States';
import { ConfirmBulkModal } from '../dialogs/ConfirmBulkModal';

interface PreviewRow {
  line: number;
  customerId: number | null;
  customerName: string | null;
  amount: number | null;
  description: string | null;
  ok: boolean;
  error: string | null;
}
export interface Preview {
  rows: PreviewRow[];
  valid: number;
  invalid: number;
  totalCredits: number;
}
interface Batch {
  batchId: number;
  status: 'pending_approval' | 'running' | 'done';
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  approval: { id: number; status: string } | null;
  rows: Array<PreviewRow & { status: string; transactionId: number | null }>;
}

const EXAMPLE = 'customerId,amount,description\n1,500,Q4 promotional credits\n';

const post = <T,>(url: string, csv: string, headers: Record<string, string> = {}) =>
  apiFetch<T>(url, { method: 'POST', body: csv, headers: { 'Content-Type': 'text/csv', ...headers } });

/** The results as a CSV file, quoted so that no cell runs as a spreadsheet formula. */
function downloadResults(batch: Batch) {
  const header = ['line', 'customerId', 'customerName', 'amount', 'description', 'status', 'error', 'transactionId'];
  const body = batch.rows.map((r) => csvRow([r.line, r.customerId, r.customerName, r.amount, r.description, r.status, r.error, r.transactionId])).join('');
  const url = URL.createObjectURL(new Blob([csvRow(header) + body], { type: 'text/csv' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: `bulk-grant-${batch.batchId}-results.csv` });
  a.click();
  URL.revokeObjectURL(url);
}

/**
 * The Bulk grants tab: upload or paste a CSV, preview it (a dry run marking bad rows), confirm the
 * customers and credits, then follow the batch's progress to its per-row results.
 */
export function BulkGrants() {
  const [csv, setCsv] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [batch, setBatch] = useState<Batch | null>(null);

  async function runPreview() {
    setBusy(true);
    setError(null);
    setBatch(null);
    try {
      setPreview(await post<Preview>('/api/admin/credits/bulk?dryRun=true', csv));
    } catch (err) {
      setPreview(null);
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }

  async function submit(key: string) {
    const { batchId } = await post<{ batchId: number }>('/api/admin/credits/bulk', csv, { 'Idempotency-Key': key });
    setConfirming(false);
    setPreview(null);
    setBatch(await apiFetch<Batch>(`/api/admin/credits/bulk/${batchId}?rows=false`));
  }

  // Follows a running batch once a second; when it is done, fetches its rows once.
  const id = batch?.batchId;
  const status = batch?.status;
  useEffect(() => {
    if (id === undefined || status === undefined) return;
    const finished = status === 'done';
    const t = setTimeout(() => {
      apiFetch<Batch>(`/api/admin/credits/bulk/${id}${finished ? '' : '?rows=false'}`)
        .then((b) => setBatch(b))
        .catch((err: ApiError) => setError(err));
    }, finished ? 0 : 1000);
    return () => clearTimeout(t);
  }, [id, status, batch?.processed, batch?.rows.length]);

  const done = batch?.status === 'done' && batch.rows.length > 0;

  return (
    <section className="stack" aria-labelledby="bulk-heading">
      <h2 id="bulk-heading">Bulk grants</h2>
      <p className="muted">
        Up to {formatNumber(MAX_BULK_ROWS)} rows. Columns: <code>customerId,amount,description</code>, optionally <code>expiresAt,category</code>. Each row
        becomes an ordinary admin grant in your name.
      </p>
      <div className="card stack">
        <div className="field">
          <label htmlFor="bulk-file">CSV file</label>
          <input
            id="bulk-file"
            type="file"
            accept=".csv,text/csv"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) setCsv(await file.text());
            }}
          />
        </div>
        <div className="field">
          <label htmlFor="bulk-csv">Or paste CSV</label>
          <textarea id="bulk-csv" rows={8} className="mono" value={csv} placeholder={EXAMPLE} onChange={(e) => setCsv(e.target.value)} />
        </div>
        <div className="toolbar-actions">
          <button type="button" className="btn btn-primary" disabled={busy || csv.trim() === ''} onClick={runPreview}>
            {busy ? 'Checking…' : 'Preview'}
          </button>
        </div>
        {error && <ErrorAlert title="The upload could not be used" error={error} />}
      </div>

      {preview && (
        <div className="stack">
          <p role="status">
            <strong>{formatNumber(preview.valid)}</strong> valid row{preview.valid === 1 ? '' : 's'} ({formatCredits(preview.totalCredits)}),{' '}
            <strong>{formatNumber(preview.invalid)}</strong> with problems {preview.invalid > 0 && '(they will be skipped)'}
          </p>
          <RowsTable rows={preview.rows} caption="Preview" />
          <div className="toolbar-actions">
            <button type="button" className="btn btn-success" disabled={preview.valid === 0} onClick={() => setConfirming(true)}>
              Grant credits…
            </button>
          </div>
        </div>
      )}

      {batch && (
        <div className="card stack" aria-labelledby="batch-heading">
          <h3 id="batch-heading">Batch #{batch.batchId}</h3>
          {batch.status === 'pending_approval' ? (
            <p role="status" className="alert alert-warning">
              Waiting for approval #{batch.approval?.id}: the batch is above the approval threshold, so another SUPER_ADMIN must approve it in the Approvals tab.
            </p>
          ) : (
            <>
              <label htmlFor="batch-progress">
                {batch.status === 'done' ? 'Done' : 'Granting'}: {formatNumber(batch.processed)} of {formatNumber(batch.total)} rows
              </label>
              <progress id="batch-progress" className="progress" max={batch.total} value={batch.processed} />
              <p role="status" aria-live="polite">
                {formatNumber(batch.succeeded)} succeeded, {formatNumber(batch.failed)} failed
              </p>
            </>
          )}
          {done && (
            <>
              <RowsTable rows={batch.rows.map((r) => ({ ...r, ok: r.status === 'succeeded' }))} caption="Results" showStatus />
              <div className="toolbar-actions">
                <button type="button" className="btn btn-secondary" onClick={() => downloadResults(batch)}>
                  Download results CSV
                </button>
              </div>
            </>
          )}
        </div>
      )}

      {preview && <ConfirmBulkModal open={confirming} preview={preview} onClose={() => setConfirming(false)} onConfirm={submit} />}
    </section>
  );
}

function RowsTable({ rows, caption, showStatus = false }: { rows: Array<PreviewRow & { status?: string }>; caption: string; showStatus?: boolean }) {
  // Bad rows first would reorder the file; the first 500 rows are shown, problems among all are counted above.
  const shown = rows.slice(0, 500);
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Customer</th>
            <th scope="col">Amount</th>
            <th scope="col">Description</th>
            <th scope="col">{showStatus ? 'Result' : 'Check'}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.line} className={r.ok ? undefined : 'row-bad'}>
              <td>{r.line}</td>
              <td>{r.customerName ? `${r.customerName} (#${r.customerId})` : (r.customerId ?? '—')}</td>
              <td>{r.amount === null ? '—' : formatNumber(r.amount)}</td>
              <td className="description">{r.description || '—'}</td>
              <td>{r.ok ? (showStatus ? 'Granted' : 'OK') : <span className="field-error">{r.error ?? r.status}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length && <p className="muted small">First {shown.length} of {formatNumber(rows.length)} rows shown.</p>}
    </div>
  );
}
