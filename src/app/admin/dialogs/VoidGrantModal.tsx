'use client';

import { Time } from '@/app/_ui/Time';
import { useState } from 'react';
import type { TransactionDetail } from '@/app/lib/credits';
import { useApi } from '@/app/_ui/api-client';
import { formatCredits, formatNumber } from '@/app/_ui/format';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert, Loading } from '@/app/_ui/States';
import { CloseButton, ConfirmButtons, useConfirmedAction } from './confirmed-action';
import { ReasonField } from './credit-form';

export interface VoidTarget {
  grantId: number;
  customerName: string;
}

/**
 * Void a grant: what remains of it, a required reason, then a confirmation that states the effect
 * on the balance. Only the unspent remainder is voided; what was spent stays spent.
 */
interface VoidGrantModalProps {
  target: VoidTarget | null;
  onClose: () => void;
  onDone: () => void;
}

export function VoidGrantModal({ target, onClose, onDone }: VoidGrantModalProps) {
  return (
    <Modal open={target !== null} onClose={onClose} title="Void Grant">
      {/* Keyed: each opening starts a fresh form (and a fresh Idempotency-Key). */}
      {target && <VoidGrantModalForm key={target.grantId} target={target} onClose={onClose} onDone={onDone} />}
    </Modal>
  );
}

function VoidGrantModalForm({ target, onClose, onDone }: VoidGrantModalProps & { target: VoidTarget }) {
  const detail = useApi<TransactionDetail>(target ? `/api/admin/credits/transactions/${target.grantId}` : null);
  const balance = useApi<{ balance: number }>(
    detail.data && target ? `/api/admin/customers/${detail.data.transaction.customerId}/credits` : null,
  );
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const { confirming, setConfirming, submitting, error, result, focusRef, submit } = useConfirmedAction(onDone);

  const grant = detail.data?.grant;
  const voidable = grant?.status === 'active';
  const reasonProblem = reason.trim() === '' ? 'Enter a reason for the audit trail' : null;

  const confirmVoid = () => submit(`/api/admin/credits/transactions/${target.grantId}/void`, { reason: reason.trim() });

  return (
    <div className="stack">
      {detail.error && <ErrorAlert title="Failed to fetch the grant" error={detail.error} onRetry={detail.reload} />}
      {!grant && !detail.error && <Loading label="Loading grant…" />}
      {grant && (
        <dl className="summary">
          <div>
            <dt>Grant</dt>
            <dd>
              #{grant.id} · {target.customerName}
            </dd>
          </div>
          <div>
            <dt>Remaining</dt>
            <dd>
              {formatNumber(grant.remaining)} of {formatNumber(grant.amount)}
            </dd>
          </div>
          <div>
            <dt>Category</dt>
            <dd>{grant.category === 'paid' ? 'Paid' : 'Promotional'}</dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd>{grant.expiresAt ? <Time iso={grant.expiresAt} /> : 'Never'}</dd>
          </div>
        </dl>
      )}
      {result ? (
        <>
          <div role="status" className="alert alert-success" tabIndex={-1} ref={focusRef}>
            <p className="alert-title">Grant voided</p>
            <p>
              Voided {formatCredits(-result.amount)}. New balance: <strong>{formatCredits(result.balanceAfter)}</strong>.
            </p>
          </div>
          <CloseButton label="Done" onClose={onClose} />
        </>
      ) : grant && !voidable ? (
        <>
          <div className="alert alert-warning" role="status">
            <p>
              This grant is {grant.status}: nothing remains to void.
            </p>
          </div>
          <CloseButton label="Close" onClose={onClose} />
        </>
      ) : grant && confirming ? (
        <>
          <div className="alert alert-warning" tabIndex={-1} ref={focusRef} role="alert">
            <p className="alert-title">Void the unspent {formatCredits(grant.remaining)} of grant #{grant.id}?</p>
            {balance.data && (
              <p className="effect">
                Balance: {formatNumber(balance.data.balance)} → <strong>{formatNumber(balance.data.balance - grant.remaining)}</strong>
              </p>
            )}
            <p>Reason: {reason.trim()}</p>
            <p>
              {grant.amount > grant.remaining && `The ${formatNumber(grant.amount - grant.remaining)} already spent stay spent. `}
              The void is recorded in the audit trail and cannot be undone.
            </p>
          </div>
          <ConfirmButtons label="Confirm void" submitting={submitting} onBack={() => setConfirming(false)} onConfirm={() => void confirmVoid()} />
        </>
      ) : (
        grant && (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              setTouched(true);
              if (!reasonProblem) setConfirming(true);
            }}
          >
            <ReasonField
              label="Reason"
              value={reason}
              onChange={setReason}
              onBlur={() => setTouched(true)}
              error={touched ? reasonProblem : null}
              hint="Required. Why this grant is taken back"
              placeholder="e.g. Added to the wrong customer"
            />
            {error && <ErrorAlert title="The grant was not voided" error={error} />}
            <div className="modal-actions">
              <button type="button" className="btn btn-secondary" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="btn btn-danger">
                Review void
              </button>
            </div>
          </form>
        )
      )}
    </div>
  );
}
