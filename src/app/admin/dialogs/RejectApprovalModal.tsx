'use client';

import { useState } from 'react';
import { ApiError, apiFetch } from '@/app/_ui/api-client';
import { formatCredits } from '@/app/_ui/format';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import type { Approval } from '@/app/lib/grants-ops';

/** Rejecting an approval: a required reason, which the requester and the audit log see. */
export function RejectApprovalModal({ target, onClose, onDone }: { target: Approval | null; onClose: () => void; onDone: () => void }) {
  return (
    <Modal open={target !== null} onClose={onClose} title="Reject grant">
      {target && <RejectForm key={target.id} target={target} onClose={onClose} onDone={onDone} />}
    </Modal>
  );
}

function RejectForm({ target, onClose, onDone }: { target: Approval; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [key] = useState(() => crypto.randomUUID());
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          await apiFetch(`/api/admin/credits/approvals/${target.id}/reject`, { method: 'POST', body: JSON.stringify({ reason }), headers: { 'Idempotency-Key': key } });
          onDone();
        } catch (err) {
          setError(err as ApiError);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>
        Reject {formatCredits(target.amount)} for {target.customerName ?? `bulk batch #${target.batchId}`}, requested by {target.requestedBy}? Nothing is booked.
      </p>
      <div className="field">
        <label htmlFor="reject-reason">Reason</label>
        <textarea id="reject-reason" rows={3} required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      {error && <ErrorAlert title="Not rejected" error={error} inlineFields={['reason']} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || reason.trim() === ''}>
          Reject
        </button>
      </div>
    </form>
  );
}
