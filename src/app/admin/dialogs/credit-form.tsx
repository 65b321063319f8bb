'use client';

import { useId } from 'react';
import { formatNumber } from '@/app/_ui/format';
import { MAX_CREDITS_PER_TRANSACTION, MAX_DESCRIPTION_LENGTH } from '@/app/shared/credits';

/** Form values are strings: accept only plain digits, so "1.5", "1e3" and " 100 " are errors, not guesses. */
export function amountError(raw: string): string | null {
  if (raw === '') return 'Enter an amount';
  if (!/^[0-9]+$/.test(raw)) return 'Enter a whole number of credits (digits only)';
  const n = Number(raw);
  if (n < 1) return 'Amount must be at least 1';
  if (n > MAX_CREDITS_PER_TRANSACTION) return `Maximum ${formatNumber(MAX_CREDITS_PER_TRANSACTION)} credits exceeded`; // the guide's words, as the API's
  return null;
}

/** The required reason of a credit change, for the audit trail (a textarea with its count, hint and error). */
export function ReasonField({
  label,
  value,
  onChange,
  onBlur,
  error,
  hint,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  onBlur: () => void;
  error: string | null;
  hint: string;
  placeholder?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        name="reason"
        rows={3}
        maxLength={MAX_DESCRIPTION_LENGTH}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        placeholder={placeholder}
      />
      <p id={`${id}-hint`} className="hint">
        {hint} ({value.length}/{MAX_DESCRIPTION_LENGTH}).
      </p>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
