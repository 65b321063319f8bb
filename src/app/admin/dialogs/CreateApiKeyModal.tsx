'use client';

import { useId, useState } from 'react';
import type { ApiKeyDto } from '@/app/lib/auth/api-key-schemas';
import type { Permission } from '@/app/lib/auth/permissions';
import { useAccess } from '@/app/_ui/access';
import { ApiError, apiFetch } from '@/app/_ui/api-client';
import { Modal } from '@/app/_ui/Modal';
import { SecretOnce } from '@/app/_ui/SecretOnce';
import { ErrorAlert } from '@/app/_ui/States';
import { TextField } from '@/app/_ui/TextField';

/**
 * Make an API key: a name, whose it is (SUPER_ADMINs: the platform or a customer ID), the
 * permissions (only those the caller may give), an optional expiry. Then the key, shown this once
 * with a copy button: it can't be shown again.
 */
export function CreateApiKeyModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const [made, setMade] = useState<{ apiKey: ApiKeyDto; key: string } | null>(null);
  const close = () => {
    setMade(null);
    onClose();
  };
  return (
    <Modal open={open} onClose={close} title={made ? 'Copy your API key' : 'Create API key'} wide>
      {open && !made && (
        <CreateForm
          onClose={close}
          onCreated={(m) => {
            setMade(m);
            onCreated();
          }}
        />
      )}
      {made && <ShownOnce made={made} onDone={close} />}
    </Modal>
  );
}

function CreateForm({ onClose, onCreated }: { onClose: () => void; onCreated: (m: { apiKey: ApiKeyDto; key: string }) => void }) {
  const { keyPermissions, scope } = useAccess();
  const platformAdmin = scope('api_keys.manage') === 'any';
  const [name, setName] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [chosen, setChosen] = useState<Permission[]>([]);
  const [expiresOn, setExpiresOn] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const id = useId();
  const platformKey = platformAdmin && customerId.trim() === '';
  const offered = platformKey ? keyPermissions.platform : keyPermissions.customer;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const customer = customerId.trim();
    const body = {
      name,
      ...(platformAdmin ? { customerId: customer === '' ? null : /^[0-9]+$/.test(customer) ? Number(customer) : customer } : {}),
      permissions: chosen.filter((p) => offered.includes(p)),
      // The end of the chosen day, in the viewer's time zone.
      ...(expiresOn ? { expiresAt: new Date(`${expiresOn}T23:59:59`).toISOString() } : {}),
    };
    setSaving(true);
    setError(null);
    try {
      onCreated(await apiFetch<{ apiKey: ApiKeyDto; key: string }>('/api/admin/api-keys', { method: 'POST', body: JSON.stringify(body) }));
    } catch (e) {
      setError(e as ApiError);
      setSaving(false);
    }
  }

  const toggle = (p: Permission, on: boolean) => setChosen((c) => (on ? [...c, p] : c.filter((x) => x !== p)));

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <TextField label="Name" name="name" value={name} onChange={setName} required maxLength={100} placeholder="e.g. Billing sync" error={error?.fieldError('name')} />
      {platformAdmin && (
        <TextField
          label="Customer ID"
          name="customerId"
          value={customerId}
          onChange={setCustomerId}
          inputMode="numeric"
          hint="Leave empty for a platform key, which acts for every customer"
          error={error?.fieldError('customerId')}
        />
      )}
      <fieldset className="permission-picker">
        <legend>Permissions</legend>
        <p className="muted small">{platformKey ? 'A platform key acts as a SUPER_ADMIN would, with only these.' : "A customer's key acts as its CUSTOMER_ADMIN would, with only these."}</p>
        <div className="permission-grid">
          {offered.map((p) => (
            <label key={p} className="checkbox">
              <input type="checkbox" name="permissions" value={p} checked={chosen.includes(p)} onChange={(e) => toggle(p, e.target.checked)} />
              <span className="mono">{p}</span>
            </label>
          ))}
        </div>
        {error?.fieldError('permissions') && <p className="field-error">{error.fieldError('permissions')}</p>}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-expires`}>Expires on (optional)</label>
        <input id={`${id}-expires`} type="date" name="expiresOn" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} />
      </div>
      {error && <ErrorAlert title="The key was not created" error={error} inlineFields={['name', 'customerId', 'permissions']} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving}>
          Create key
        </button>
      </div>
    </form>
  );
}

function ShownOnce({ made, onDone }: { made: { apiKey: ApiKeyDto; key: string }; onDone: () => void }) {
  return (
    <SecretOnce noun="API key" secret={made.key} testId="api-key-secret" onDone={onDone}>
      <strong>{made.apiKey.name}</strong> ({made.apiKey.customerName ?? 'platform'}): send it as <span className="mono">Authorization: Bearer …</span>
    </SecretOnce>
  );
}
