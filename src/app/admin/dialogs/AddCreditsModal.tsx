'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { formatCredits, formatDate, formatNumber } from '@/app/_ui/format';
import { MAX_CREDITS_PER_TRANSACTION, MAX_DESCRIPTION_LENGTH, type GrantCategory } from '@/app/shared/credits';
import { ApiError, apiFetch } from '@/app/_ui/api-client';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import { amountError } from './credit-form';

export interface CreditTarget {
  id: number;
  name: string;
  creditBalance: number;
  /** Shown beside the name: with several customers of one name, the email tells them apart. */
  contactEmail: string | null;
}

interface AddCreditsResponse {
  transaction: { id: number; amount: number; balanceBefore: number; balanceAfter: number };
}

const today = () => new Date().toISOString().slice(0, 10);

/** A date input's day (UTC): the credits expire at the end of it. */
function expiryInstant(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
}

function expiryError(day: string): string | null {
  if (day === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) return 'Enter a date';
  if (day < today()) return 'The expiry date must be today or later';
  return null;
}

interface AddCreditsProps {
  customer: CreditTarget | null;
  onClose: () => void;
  onAdded: (customerId: number, amount: number, balanceAfter: number) => void;
}

export function AddCreditsModal({ customer, onClose, onAdded }: AddCreditsProps) {
  return (
    <Modal open={customer !== null} onClose={onClose} title="Add Credits">
      {/* Keyed by customer: each opening starts a fresh form (and a fresh Idempotency-Key). */}
      {customer && <AddCreditsForm key={customer.id} customer={customer} onClose={onClose} onAdded={onAdded} />}
    </Modal>
  );
}

function AddCreditsForm({ customer, onClose, onAdded }: AddCreditsProps & { customer: CreditTarget }) {
  const [amount, setAmount] = useState('');
  const [description, setDescription] = useState('');
  const [category, setCategory] = useState<GrantCategory>('promotional');
  const [expiresOn, setExpiresOn] = useState('');
  const [touched, setTouched] = useState({ amount: false, description: false });
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<AddCreditsResponse['transaction'] | null>(null);
  // One key per opened form: a double click or a retry after a lost response credits once.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const amountRef = useRef<HTMLInputElement>(null);
  const successRef = useRef<HTMLDivElement>(null);
  const ids = {
    amount: useId(),
    amountHint: useId(),
    amountError: useId(),
    description: useId(),
    descriptionError: useId(),
    descriptionHint: useId(),
    category: useId(),
    categoryHint: useId(),
    expiry: useId(),
    expiryHint: useId(),
    expiryError: useId(),
  };

  function reset() {
    setAmount('');
    setDescription('');
    setCategory('promotional');
    setExpiresOn('');
    setTouched({ amount: false, description: false });
    setError(null);
    setResult(null);
    setSubmitting(false);
    setIdempotencyKey(crypto.randomUUID());
  }

  // The form (and its focused button) is replaced by the confirmation: move focus onto it.
  useEffect(() => {
    if (result) successRef.current?.focus();
  }, [result]);

  const amountProblem = amountError(amount);
  const descriptionProblem = description.trim() === '' ? 'Enter a reason for the audit trail' : null;
  const showAmountError = touched.amount && amountProblem;
  const showDescriptionError = touched.description && descriptionProblem;
  const expiryProblem = expiryError(expiresOn);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setTouched({ amount: true, description: true });
    if (amountProblem || descriptionProblem || expiryProblem || submitting) {
      if (amountProblem) amountRef.current?.focus();
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const res = await apiFetch<AddCreditsResponse>('/api/admin/credits/add', {
        method: 'POST',
        headers: { 'Idempotency-Key': idempotencyKey },
        // Without a category or expiry the request is the guide's own: a promotional grant that never expires.
        body: JSON.stringify({
          customerId: customer.id,
          amount: Number(amount),
          description: description.trim(),
          ...(category === 'paid' ? { category } : {}),
          ...(expiresOn ? { expiresAt: expiryInstant(expiresOn) } : {}),
        }),
      });
      setResult(res.transaction);
      onAdded(customer.id, res.transaction.amount, res.transaction.balanceAfter);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <>
      <dl className="summary">
        <div>
          <dt>Customer</dt>
          <dd>
            {customer.name} <span className="muted">(ID {customer.id})</span>
            <span className="summary-sub" data-testid="modal-contact-email">
              {customer.contactEmail ?? 'No contact email'}
            </span>
          </dd>
        </div>
        <div>
          <dt>Current balance</dt>
          <dd data-testid="modal-current-balance">{formatCredits(result ? result.balanceAfter : customer.creditBalance)}</dd>
        </div>
      </dl>
      {result ? (
        <div className="stack">
          <div role="status" className="alert alert-success" tabIndex={-1} ref={successRef}>
            <p className="alert-title">Credits added successfully</p>
            <p>
              Added {formatCredits(result.amount)} to {customer.name}. New balance:{' '}
              <strong>{formatCredits(result.balanceAfter)}</strong>.
            </p>
            {expiresOn && <p>Unspent credits of this grant expire at the end of {formatDate(`${expiresOn}T00:00:00Z`)} (UTC).</p>}
          </div>
          <div className="modal-actions">
            <button type="button" className="btn btn-secondary" onClick={reset}>
              Add more credits
            </button>
            <button type="button" className="btn btn-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form className="stack" onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={ids.amount}>Amount</label>
            <input
              id={ids.amount}
              ref={amountRef}
              name="amount"
              inputMode="numeric"
              autoComplete="off"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              onBlur={() => setTouched((t) => ({ ...t, amount: true }))}
              aria-invalid={showAmountError ? true : undefined}
              aria-describedby={`${ids.amountHint}${showAmountError ? ` ${ids.amountError}` : ''}`}
            />
            <p id={ids.amountHint} className="hint">
              Whole number of credits, 1 to {formatNumber(MAX_CREDITS_PER_TRANSACTION)}.
            </p>
            {showAmountError && (
              <p id={ids.amountError} className="field-error">
                {amountProblem}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.description}>Description</label>
            <textarea
              id={ids.description}
              name="description"
              rows={3}
              maxLength={MAX_DESCRIPTION_LENGTH}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              onBlur={() => setTouched((t) => ({ ...t, description: true }))}
              aria-invalid={showDescriptionError ? true : undefined}
              aria-describedby={`${ids.descriptionHint}${showDescriptionError ? ` ${ids.descriptionError}` : ''}`}
              placeholder="e.g. Demo account credits"
            />
            <p id={ids.descriptionHint} className="hint">
              Required. Why these credits are added ({description.length}/{MAX_DESCRIPTION_LENGTH}).
            </p>
            {showDescriptionError && (
              <p id={ids.descriptionError} className="field-error">
                {descriptionProblem}
              </p>
            )}
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor={ids.category}>Category</label>
              <select
                id={ids.category}
                name="category"
                value={category}
                onChange={(e) => setCategory(e.target.value as GrantCategory)}
                aria-describedby={ids.categoryHint}
              >
                <option value="promotional">Promotional</option>
                <option value="paid">Paid</option>
              </select>
              <p id={ids.categoryHint} className="hint">
                Paid: the customer paid for these credits.
              </p>
            </div>
            <div className="field">
              <label htmlFor={ids.expiry}>Expiry date (optional)</label>
              <input
                id={ids.expiry}
                name="expiresOn"
                type="date"
                min={today()}
                value={expiresOn}
                onChange={(e) => setExpiresOn(e.target.value)}
                aria-invalid={expiryProblem ? true : undefined}
                aria-describedby={`${ids.expiryHint}${expiryProblem ? ` ${ids.expiryError}` : ''}`}
              />
              <p id={ids.expiryHint} className="hint">
                Unspent credits expire at the end of this day (UTC). Empty: never.
              </p>
              {expiryProblem && (
                <p id={ids.expiryError} className="field-error">
                  {expiryProblem}
                </p>
              )}
            </div>
          </div>
          <div className="alert alert-warning">
            <p>
              <strong>Admin credit addition.</strong> This is recorded in the audit trail with your username and
              cannot be deleted. A super admin can void a mistaken grant from the Transactions tab.
            </p>
          </div>
          {error && <ErrorAlert title="Credits were not added" error={error} />}
          <div className="modal-actions">
            <button type="button" className="btn btn-secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-success" disabled={submitting} aria-busy={submitting}>
              Add Credits
            </button>
          </div>
        </form>
      )}
    </>
  );
}
