'use client';

import { useState } from 'react';
import { formatCredits, formatNumber } from '@/app/_ui/format';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import { TextField } from '@/app/_ui/TextField';
import { MAX_CREDITS_PER_TRANSACTION } from '@/app/shared/credits';
import { amountError, ReasonField } from './credit-form';
import type { CreditTarget } from './AddCreditsModal';
import { CloseButton, ConfirmButtons, useConfirmedAction } from './confirmed-action';

/**
 * Deduct credits: amount and a required reason, then a confirmation that states the effect on the
 * balance before anything is written. The credits are taken like a look-up's, in spending order.
 */
interface DeductCreditsModalProps {
  customer: CreditTarget | null;
  onClose: () => void;
  onDone: () => void;
}

export function DeductCreditsModal({ customer, onClose, onDone }: DeductCreditsModalProps) {
  return (
    <Modal open={customer !== null} onClose={onClose} title="Deduct Credits">
      {/* Keyed: each opening starts a fresh form (and a fresh Idempotency-Key). */}
      {customer && <DeductCreditsModalForm key={customer.id} customer={customer} onClose={onClose} onDone={onDone} />}
    </Modal>
  );
}

function DeductCreditsModalForm({ customer, onClose, onDone }: DeductCreditsModalProps & { customer: CreditTarget }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState({ amount: false, reason: false });
  const { confirming, setConfirming, submitting, error, result, focusRef, submit } = useConfirmedAction(onDone);

  const amountProblem = amountError(amount) ?? (customer && Number(amount) > customer.creditBalance ? `The balance is only ${formatCredits(customer.creditBalance)}` : null);
  const reasonProblem = reason.trim() === '' ? 'Enter a reason for the audit trail' : null;

  function review(event: React.FormEvent) {
    event.preventDefault();
    setTouched({ amount: true, reason: true });
    if (!amountProblem && !reasonProblem) setConfirming(true);
  }

  const deduct = () => submit('/api/admin/credits/deduct', { customerId: customer.id, amount: Number(amount), description: reason.trim() });

  return (
    <div className="stack">
      <dl className="summary">
        <div>
          <dt>Customer</dt>
          <dd>
            {customer.name} <span className="muted">(ID {customer.id})</span>
          </dd>
        </div>
        <div>
          <dt>Current balance</dt>
          <dd>{formatCredits(result ? result.balanceAfter : customer.creditBalance)}</dd>
        </div>
      </dl>
      {result ? (
        <>
          <div role="status" className="alert alert-success" tabIndex={-1} ref={focusRef}>
            <p className="alert-title">Credits deducted successfully</p>
            <p>
              Deducted {formatCredits(-result.amount)} from {customer.name}. New balance: <strong>{formatCredits(result.balanceAfter)}</strong>.
            </p>
          </div>
          <CloseButton label="Done" onClose={onClose} />
        </>
      ) : confirming ? (
        <>
          <div className="alert alert-warning" tabIndex={-1} ref={focusRef} role="alert">
            <p className="alert-title">Deduct {formatCredits(Number(amount))} from {customer.name}?</p>
            <p className="effect">
              Balance: {formatNumber(customer.creditBalance)} → <strong>{formatNumber(customer.creditBalance - Number(amount))}</strong>
            </p>
            <p>Reason: {reason.trim()}</p>
            <p>The deduction is recorded in the audit trail with your username and cannot be undone.</p>
          </div>
          <ConfirmButtons label="Confirm deduction" submitting={submitting} onBack={() => setConfirming(false)} onConfirm={() => void deduct()} />
        </>
      ) : (
        <form className="stack" onSubmit={review} noValidate>
          <TextField
            label="Amount"
            name="amount"
            inputMode="numeric"
            autoComplete="off"
            value={amount}
            onChange={setAmount}
            onBlur={() => setTouched((t) => ({ ...t, amount: true }))}
            hint={`Whole number of credits, 1 to ${formatNumber(Math.min(MAX_CREDITS_PER_TRANSACTION, Math.max(1, customer.creditBalance)))}.`}
            error={(touched.amount && amountProblem) || undefined}
          />
          <ReasonField
            label="Reason"
            value={reason}
            onChange={setReason}
            onBlur={() => setTouched((t) => ({ ...t, reason: true }))}
            error={touched.reason ? reasonProblem : null}
            hint="Required. Why these credits are taken away"
            placeholder="e.g. Chargeback on invoice 1042"
          />
          {error && <ErrorAlert title="Credits were not deducted" error={error} />}
          <div className="modal-actions">
            <button type="button" className="btn btn-secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-danger">
              Review deduction
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
