'use client';

import { useEffect, useId, useState } from 'react';
import type { Role } from '@/app/lib/auth/roles';
import { ApiError, apiFetch } from '../lib/api-client';
import { Modal } from './Modal';
import { ErrorAlert } from './States';
import { TextField, type FieldProps } from './TextField';

export function UserFormModal({
  open,
  isPlatformAdmin,
  defaultCustomerId,
  onClose,
  onCreated,
}: {
  open: boolean;
  isPlatformAdmin: boolean;
  defaultCustomerId: number | null;
  onClose: () => void;
  onCreated: (username: string) => void;
}) {
  const id = useId();
  const [values, setValues] = useState({ username: '', password: '', role: 'USER' as Role, customerId: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!open) return;
    setValues({ username: '', password: '', role: 'USER', customerId: defaultCustomerId ? String(defaultCustomerId) : '' });
    setError(null);
    setSaving(false);
  }, [open, defaultCustomerId]);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    const customerId = values.role === 'SUPER_ADMIN' || !isPlatformAdmin ? undefined : /^[0-9]+$/.test(values.customerId) ? Number(values.customerId) : values.customerId || null;
    try {
      await apiFetch('/api/admin/users', {
        method: 'POST',
        body: JSON.stringify({ username: values.username, password: values.password, role: values.role, customerId }),
      });
      onCreated(values.username);
    } catch (e) {
      setError(e as ApiError);
      setSaving(false);
    }
  }

  const input = (name: 'username' | 'password' | 'customerId', label: string, props: FieldProps, hint?: string) => (
    <TextField
      label={label}
      name={name}
      value={values[name]}
      onChange={(value) => setValues((v) => ({ ...v, [name]: value }))}
      hint={hint}
      error={error?.fieldError(name)}
      {...props}
    />
  );

  return (
    <Modal open={open} onClose={onClose} title="Create user">
      <form className="stack" onSubmit={submit} noValidate>
        {input('username', 'Username', { autoComplete: 'off' }, '3–64 characters: letters, digits, _ . @ -')}
        {input('password', 'Password', { type: 'password', autoComplete: 'new-password' }, 'At least 8 characters')}
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select
            id={`${id}-role`}
            value={values.role}
            onChange={(e) => setValues((v) => ({ ...v, role: e.target.value as Role }))}
          >
            <option value="USER">User</option>
            <option value="CUSTOMER_ADMIN">Customer admin</option>
            {isPlatformAdmin && <option value="SUPER_ADMIN">Super admin</option>}
          </select>
        </div>
        {isPlatformAdmin && values.role !== 'SUPER_ADMIN' && input('customerId', 'Customer ID', { inputMode: 'numeric' })}
        {error && <ErrorAlert title="The user was not created" error={error} inlineFields={['username', 'password', 'customerId']} />}
        <div className="modal-actions">
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={saving}>
            Create user
          </button>
        </div>
      </form>
    </Modal>
  );
}
