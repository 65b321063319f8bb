'use client';

import { useId, useState } from 'react';
import { ApiError, apiFetch, type Page } from '@/app/_ui/api-client';
import type { CustomerDto } from '@/app/lib/customers';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import { TextField, type FieldProps } from '@/app/_ui/TextField';
import { ThresholdField, thresholdText, thresholdValue } from './LowBalanceThresholdModal';

export interface CustomerFields {
  id?: number;
  name: string;
  status: 'active' | 'inactive';
  contactEmail: string | null;
  maxUsers: number;
  logoUrl: string | null;
  lowBalanceThreshold?: number;
  lowBalanceThresholdIsCustom?: boolean;
}

const EMPTY: CustomerFields = { name: '', status: 'active', contactEmail: null, maxUsers: 10, logoUrl: null };

interface CustomerFormProps {
  customer: CustomerFields | 'new' | null;
  onClose: () => void;
  onSaved: (saved: CustomerDto) => void;
}

/** Create (no `customer.id`) or edit a customer. */
export function CustomerFormModal({ customer, onClose, onSaved }: CustomerFormProps) {
  const editing = customer !== null && customer !== 'new' ? customer : null;
  return (
    <Modal open={customer !== null} onClose={onClose} title={editing ? `Edit ${editing.name}` : 'Create customer'}>
      {/* Keyed: each opening starts from the customer's saved values. */}
      {customer !== null && <CustomerForm key={editing?.id ?? 'new'} customer={customer} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function CustomerForm({ customer, onClose, onSaved }: CustomerFormProps & { customer: CustomerFields | 'new' }) {
  const editing = customer !== 'new' ? customer : null;
  const [values, setValues] = useState(() => {
    const c = editing ?? EMPTY;
    return {
      name: c.name,
      status: c.status as string,
      contactEmail: c.contactEmail ?? '',
      maxUsers: String(c.maxUsers),
      logoUrl: c.logoUrl ?? '',
      // Empty: the platform default (LOW_BALANCE_THRESHOLD).
      lowBalanceThreshold: thresholdText(c),
    };
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  // Customers who already have the name being given: shown, and saving again means "yes, anyway".
  const [namesakes, setNamesakes] = useState<{ name: string; customers: CustomerDto[] } | null>(null);
  const id = useId();

  /** Other customers called exactly this (ignoring case and outer spaces); names needn't be unique, but mix-ups start here. */
  async function othersNamed(name: string): Promise<CustomerDto[]> {
    const key = name.trim().toLowerCase();
    if (!key || (editing && editing.name.trim().toLowerCase() === key)) return [];
    const q = new URLSearchParams({ search: name.trim(), pageSize: '100' });
    const page = await apiFetch<Page<CustomerDto>>(`/api/admin/customers?${q}`);
    return page.items.filter((c) => c.name.trim().toLowerCase() === key && c.id !== editing?.id);
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (namesakes?.name !== values.name) {
      const others = await othersNamed(values.name).catch(() => []);
      if (others.length > 0) {
        setNamesakes({ name: values.name, customers: others });
        return;
      }
    }
    const maxUsers = /^[0-9]+$/.test(values.maxUsers) ? Number(values.maxUsers) : NaN;
    const body = {
      name: values.name,
      status: values.status,
      contactEmail: values.contactEmail.trim() || null,
      maxUsers: Number.isNaN(maxUsers) ? values.maxUsers : maxUsers,
      logoUrl: values.logoUrl.trim() || null,
      lowBalanceThreshold: thresholdValue(values.lowBalanceThreshold),
    };
    setSaving(true);
    setError(null);
    try {
      const res = await apiFetch<{ customer: CustomerDto }>(
        editing ? `/api/admin/customers/${editing.id}` : '/api/admin/customers',
        { method: editing ? 'PATCH' : 'POST', body: JSON.stringify(body) },
      );
      onSaved(res.customer);
    } catch (e) {
      setError(e as ApiError);
      setSaving(false);
    }
  }

  const field = (name: keyof typeof values, label: string, props: FieldProps = {}, hint?: string) => (
    <TextField
      label={label}
      name={name}
      hint={hint}
      value={values[name]}
      onChange={(value) => setValues((v) => ({ ...v, [name]: value }))}
      error={error?.fieldError(name)}
      {...props}
    />
  );

  return (
    <form className="stack" onSubmit={submit} noValidate>
      {field('name', 'Name', { required: true, maxLength: 200 })}
      <div className="field">
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          name="status"
          value={values.status}
          onChange={(e) => setValues((v) => ({ ...v, status: e.target.value }))}
        >
          <option value="active">Active</option>
          <option value="inactive">Inactive</option>
        </select>
      </div>
      {field('contactEmail', 'Contact email', { type: 'email', autoComplete: 'off' })}
      {field('maxUsers', 'Max users', { inputMode: 'numeric' })}
      {field('logoUrl', 'Logo URL', { type: 'url', placeholder: 'https://…' })}
      <ThresholdField
        value={values.lowBalanceThreshold}
        onChange={(lowBalanceThreshold) => setValues((v) => ({ ...v, lowBalanceThreshold }))}
        customer={editing}
        error={error?.fieldError('lowBalanceThreshold')}
      />
      {namesakes?.name === values.name && (
        <div role="alert" className="alert alert-warning" data-testid="duplicate-name">
          <p className="alert-title">
            {namesakes.customers.length === 1 ? 'Another customer has' : `${namesakes.customers.length} other customers have`} the name “{values.name.trim()}”
          </p>
          <ul className="detail-list">
            {namesakes.customers.map((c) => (
              <li key={c.id}>
                ID {c.id} · {c.contactEmail ?? 'no contact email'}
              </li>
            ))}
          </ul>
          <p>Two customers with one name are easy to mix up. {editing ? 'Save' : 'Create'} anyway, or change the name.</p>
        </div>
      )}
      {error && <ErrorAlert title={editing ? 'The customer was not saved' : 'The customer was not created'} error={error} inlineFields={Object.keys(values)} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {namesakes?.name === values.name ? (editing ? 'Save anyway' : 'Create anyway') : editing ? 'Save changes' : 'Create customer'}
        </button>
      </div>
    </form>
  );
}
