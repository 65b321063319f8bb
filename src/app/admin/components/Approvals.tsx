'use client';

import { notify } from '@/app/_ui/Toasts';
import { Time } from '@/app/_ui/Time';
import { useState } from 'react';
import type { Approval } from '@/app/lib/grants-ops';
import { APPROVAL_STATUSES, type ApprovalStatus } from '@/app/shared/bulk';
import { ApiError, apiFetch, useApi, type Page } from '@/app/_ui/api-client';
import { formatCredits } from '@/app/_ui/format';
import { PagedTable } from '@/app/_ui/PagedTable';
import { ErrorAlert } from '@/app/_ui/States';
import { RejectApprovalModal } from '../dialogs/RejectApprovalModal';

const LABELS: Record<ApprovalStatus, string> = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', expired: 'Expired' };

/** The Approvals tab: grants waiting for a second SUPER_ADMIN, approved or rejected here; one's own can't be approved. */
export function Approvals({ me, onChange }: { me: { username: string }; onChange: () => void }) {
  const [status, setStatus] = useState<ApprovalStatus>('pending');
  const [page, setPage] = useState(1);
  const list = useApi<Page<Approval>>(`/api/admin/credits/approvals?status=${status}&page=${page}&pageSize=25`);
  const [rejecting, setRejecting] = useState<Approval | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const changed = (message: string) => {
    notify(message);
    list.reload();
    onChange();
  };

  async function approve(a: Approval) {
    setError(null);
    try {
      await apiFetch(`/api/admin/credits/approvals/${a.id}/approve`, { method: 'POST', headers: { 'Idempotency-Key': crypto.randomUUID() } });
      changed(a.batchId ? `Approved bulk batch #${a.batchId}: it is running now.` : `Approved: ${formatCredits(a.amount)} added to ${a.customerName}.`);
    } catch (err) {
      setError(err as ApiError);
    }
  }

  return (
    <section className="stack" aria-labelledby="approvals-heading">
      <div className="toolbar">
        <h2 id="approvals-heading">Approvals</h2>
        <div className="field-inline">
          <label htmlFor="approval-status">Status</label>
          <select
            id="approval-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as ApprovalStatus);
              setPage(1);
            }}
          >
            {APPROVAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {LABELS[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error && <ErrorAlert title="Not approved" error={error} />}
      <PagedTable
        list={list}
        noun="approvals"
        caption="Approvals table"
        onPage={setPage}
        empty={`No ${LABELS[status].toLowerCase()} approvals.`}
        head={
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Amount</th>
            <th scope="col">Description</th>
            <th scope="col">Requested</th>
            <th scope="col">{status === 'pending' ? 'Actions' : 'Decision'}</th>
          </tr>
        }
        row={(a) => (
          <tr key={a.id}>
            <td>
              #{a.id} {a.batchId ? `Bulk batch #${a.batchId}` : `${a.customerName} (#${a.customerId})`}
            </td>
            <td className="nowrap">{formatCredits(a.amount)}</td>
            <td className="description">{a.description}</td>
            <td>
              {a.requestedBy}
              <br />
              <span className="muted small">
                <Time iso={a.requestedAt} />, expires <Time iso={a.expiresAt} />
              </span>
            </td>
            <td>
              {a.status === 'pending' ? (
                a.requestedBy === me.username ? (
                  <span className="muted">Your request: another SUPER_ADMIN approves it</span>
                ) : (
                  <div className="row-actions">
                    <button type="button" className="btn btn-success btn-small" onClick={() => approve(a)} aria-label={`Approve request #${a.id}`}>
                      Approve
                    </button>
                    <button type="button" className="btn btn-secondary btn-small" onClick={() => setRejecting(a)} aria-label={`Reject request #${a.id}`}>
                      Reject
                    </button>
                  </div>
                )
              ) : (
                <span>
                  {LABELS[a.status]}
                  {a.decidedBy && ` by ${a.decidedBy}`}
                  {a.reason && `: ${a.reason}`}
                </span>
              )}
            </td>
          </tr>
        )}
      />
      <RejectApprovalModal
        target={rejecting}
        onClose={() => setRejecting(null)}
        onDone={() => {
          setRejecting(null);
          changed('Rejected: nothing was booked.');
        }}
      />
    </section>
  );
}
