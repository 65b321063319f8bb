'use client';

import { useEffect, useRef, useState } from 'react';
import { ApiError, apiFetch } from '@/app/_ui/api-client';

interface LedgerAnswer {
  transaction: { amount: number; balanceAfter: number };
}

/**
 * The review → confirm → done flow of a credit change that takes credits away (deduct, void): one
 * Idempotency-Key per opening of the form, so a double click or a retry after a lost answer books
 * once; focus moves to the confirmation, then to the result, for keyboard and screen-reader users.
 */
export function useConfirmedAction(onDone: () => void) {
  const [confirming, setConfirming] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<LedgerAnswer['transaction'] | null>(null);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const focusRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (confirming || result) focusRef.current?.focus();
  }, [confirming, result]);

  async function submit(url: string, body: unknown) {
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      const res = await apiFetch<LedgerAnswer>(url, { method: 'POST', headers: { 'Idempotency-Key': idempotencyKey }, body: JSON.stringify(body) });
      setResult(res.transaction);
      onDone();
    } catch (e) {
      setError(e as ApiError);
      setConfirming(false);
    } finally {
      setSubmitting(false);
    }
  }

  return { confirming, setConfirming, submitting, error, result, focusRef, submit };
}

/** The confirmation's buttons: back to the form, or book it. */
export function ConfirmButtons({ label, submitting, onBack, onConfirm }: { label: string; submitting: boolean; onBack: () => void; onConfirm: () => void }) {
  return (
    <div className="modal-actions">
      <button type="button" className="btn btn-secondary" onClick={onBack}>
        Back
      </button>
      <button type="button" className="btn btn-danger" onClick={onConfirm} disabled={submitting} aria-busy={submitting}>
        {label}
      </button>
    </div>
  );
}

/** The one way out once the change is booked (or there is nothing to do). */
export function CloseButton({ label, onClose }: { label: string; onClose: () => void }) {
  return (
    <div className="modal-actions">
      <button type="button" className="btn btn-primary" onClick={onClose}>
        {label}
      </button>
    </div>
  );
}
