'use client';

import { useState } from 'react';
import { ApiError } from '@/app/_ui/api-client';
import { formatCredits, formatNumber } from '@/app/_ui/format';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import type { Preview } from '../components/BulkGrants';

/**
 * The bulk grant's confirmation: how many customers get how many credits, and how many rows are
 * skipped. One Idempotency-Key per opening, so a double click or a retry never grants twice.
 */
export function ConfirmBulkModal({ open, preview, onClose, onConfirm }: { open: boolean; preview: Preview; onClose: () => void; onConfirm: (key: string) => Promise<void> }) {
  return (
    <Modal open={open} onClose={onClose} title="Confirm bulk grant">
      {open && <ConfirmForm preview={preview} onClose={onClose} onConfirm={onConfirm} />}
    </Modal>
  );
}

function ConfirmForm({ preview, onClose, onConfirm }: { preview: Preview; onClose: () => void; onConfirm: (key: string) => Promise<void> }) {
  const [key] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const customers = new Set(preview.rows.filter((r) => r.ok).map((r) => r.customerId)).size;
  return (
    <form
      className="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await onConfirm(key);
        } catch (err) {
          setError(err as ApiError);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>
        Grant <strong>{formatCredits(preview.totalCredits)}</strong> to <strong>{formatNumber(customers)}</strong> customer{customers === 1 ? '' : 's'} in{' '}
        {formatNumber(preview.valid)} admin grant{preview.valid === 1 ? '' : 's'}?
      </p>
      {preview.invalid > 0 && <p className="alert alert-warning">{formatNumber(preview.invalid)} row{preview.invalid === 1 ? '' : 's'} with problems will be skipped.</p>}
      {error && <ErrorAlert title="The bulk grant was not started" error={error} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-success" disabled={busy} data-autofocus>
          {busy ? 'Starting…' : `Grant ${formatCredits(preview.totalCredits)}`}
        </button>
      </div>
    </form>
  );
}
