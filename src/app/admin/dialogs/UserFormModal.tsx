'use client';

import { CustomerCombobox } from '@/app/_ui/CustomerCombobox';
import { useId, useState } from 'react';
import type { Role } from '@/app/lib/auth/roles';
import { useAccess } from '@/app/_ui/access';
import { ApiError, apiFetch } from '@/app/_ui/api-client';
import { ROLE_LABELS } from '@/app/_ui/format';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import { TextField, type FieldProps } from '@/app/_ui/TextField';

interface UserFormProps {
  open: boolean;
  defaultCustomerId: number | null;
  onClose: () => void;
  onCreated: (username: string) => void;
}

export function UserFormModal(props: UserFormProps) {
  return (
    <Modal open={props.open} onClose={props.onClose} title="Create user">
      {/* Mounted per opening, so every opening starts empty. */}
      {props.open && <UserForm {...props} />}
    </Modal>
  );
}

function UserForm({ defaultCustomerId, onClose, onCreated }: UserFormProps) {
  const id = useId();
  const access = useAccess();
  // A platform admin names the customer; a customer admin's users join their own.
  const choosesCustomer = (role: Role) => access.scope('users.manage') === 'any' && !access.platformRoles.includes(role);
  const [values, setValues] = useState({ username: '', password: '', email: '', role: 'USER' as Role, customerId: defaultCustomerId ? String(defaultCustomerId) : '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    const customerId = !choosesCustomer(values.role) ? undefined : /^[0-9]+$/.test(values.customerId) ? Number(values.customerId) : values.customerId || null;
    try {
      await apiFetch('/api/admin/users', {
        method: 'POST',
        body: JSON.stringify({ username: values.username, password: values.password, role: values.role, customerId, ...(values.email.trim() ? { email: values.email.trim() } : {}) }),
      });
      onCreated(values.username);
    } catch (e) {
      setError(e as ApiError);
      setSaving(false);
    }
  }

  const input = (name: 'username' | 'password' | 'email', label: string, props: FieldProps, hint?: string) => (
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
    <form className="stack" onSubmit={submit} noValidate>
      {input('username', 'Username', { autoComplete: 'off' }, '3–64 characters: letters, digits, _ . @ -')}
      {input('password', 'Password', { type: 'password', autoComplete: 'new-password' }, 'At least 8 characters')}
      {input('email', 'Email (optional)', { type: 'email', autoComplete: 'off' }, "Admins receive balance alerts here when the platform's email is set up")}
      <div className="field">
        <label htmlFor={`${id}-role`}>Role</label>
        <select
          id={`${id}-role`}
          value={values.role}
          onChange={(e) => setValues((v) => ({ ...v, role: e.target.value as Role }))}
        >
          {access.rolesOnCreate.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
      </div>
      {choosesCustomer(values.role) && (
        <CustomerCombobox value={values.customerId} onChange={(customerId) => setValues((v) => ({ ...v, customerId }))} error={error?.fieldError('customerId')} />
      )}
      {error && <ErrorAlert title="The user was not created" error={error} inlineFields={['username', 'password', 'email', 'customerId']} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving}>
          Create user
        </button>
      </div>
    </form>
  );
}
