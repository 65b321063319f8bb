'use client';

import { useState } from 'react';
import { ApiError, apiFetch } from '@/app/_ui/api-client';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import { TextField } from '@/app/_ui/TextField';
import type { CustomerDto } from '@/app/lib/customers';

type ThresholdOf = Pick<CustomerDto, 'lowBalanceThreshold' | 'lowBalanceThresholdIsCustom'>;

/** The field's text for a customer: empty while it follows the platform default. */
export const thresholdText = (c: Partial<ThresholdOf>) => (c.lowBalanceThresholdIsCustom ? String(c.lowBalanceThreshold) : '');

/** What the API takes: null (the platform default) for an empty field, the number, or the text as typed for the API to refuse. */
export function thresholdValue(text: string): number | string | null {
  const t = text.trim();
  return t === '' ? null : /^-?[0-9]+$/.test(t) ? Number(t) : t;
}

/** The threshold's field, in the customer form and in this dialog alike. */
export function ThresholdField({ value, onChange, customer, error }: { value: string; onChange: (v: string) => void; customer: Partial<ThresholdOf> | null; error?: string }) {
  return (
    <TextField
      label="Low-balance threshold"
      name="lowBalanceThreshold"
      value={value}
      onChange={onChange}
      inputMode="numeric"
      placeholder={customer?.lowBalanceThresholdIsCustom === false ? `Platform default (${customer.lowBalanceThreshold})` : 'Platform default'}
      hint="Admins are alerted when the balance falls below this many credits. Empty: the platform default; 0: never."
      error={error}
    />
  );
}

/** A customer's own admins (and SUPER_ADMINs) set where its credits.low alert fires. */
export function LowBalanceThresholdModal({ customer, onClose, onSaved }: { customer: CustomerDto | null; onClose: () => void; onSaved: (c: CustomerDto) => void }) {
  return (
    <Modal open={customer !== null} onClose={onClose} title="Low-balance alert">
      {customer && <ThresholdForm key={customer.id} customer={customer} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function ThresholdForm({ customer, onClose, onSaved }: { customer: CustomerDto; onClose: () => void; onSaved: (c: CustomerDto) => void }) {
  const [value, setValue] = useState(thresholdText(customer));
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const res = await apiFetch<{ customer: CustomerDto }>(`/api/admin/customers/${customer.id}/low-balance-threshold`, {
        method: 'PUT',
        body: JSON.stringify({ lowBalanceThreshold: thresholdValue(value) }),
      });
      onSaved(res.customer);
    } catch (e) {
      setError(e as ApiError);
      setSaving(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p>
        <strong>{customer.name}</strong>: its admins get a <span className="mono">credits.low</span> alert (in the bell, by email, to webhooks) once each time
        the balance falls below this.
      </p>
      <ThresholdField value={value} onChange={setValue} customer={customer} error={error?.fieldError('lowBalanceThreshold')} />
      {error && <ErrorAlert title="The threshold was not saved" error={error} inlineFields={['lowBalanceThreshold']} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving}>
          Save threshold
        </button>
      </div>
    </form>
  );
}
