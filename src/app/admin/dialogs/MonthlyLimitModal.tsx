'use client';

import { useState } from 'react';
import { ApiError, apiFetch } from '@/app/_ui/api-client';
import { formatCredits } from '@/app/_ui/format';
import { Modal } from '@/app/_ui/Modal';
import { ErrorAlert } from '@/app/_ui/States';
import { TextField } from '@/app/_ui/TextField';
import type { UserDto } from '@/app/lib/users';

/** Sets or clears a user's monthly credit limit (PATCH /api/admin/users/:id { monthlyCreditLimit }). */
interface MonthlyLimitProps {
  user: UserDto | null;
  onClose: () => void;
  onSaved: (message: string) => void;
}

export function MonthlyLimitModal({ user, onClose, onSaved }: MonthlyLimitProps) {
  return (
    <Modal open={user !== null} onClose={onClose} title={user ? `Monthly limit of ${user.username}` : 'Monthly limit'}>
      {/* Keyed: each opening starts from the user's saved limit. */}
      {user && <MonthlyLimitForm key={user.id} user={user} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function MonthlyLimitForm({ user, onClose, onSaved }: MonthlyLimitProps & { user: UserDto }) {
  const [value, setValue] = useState(user.monthlyCreditLimit === null ? '' : String(user.monthlyCreditLimit));
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  async function save(limit: number | string | null) {
    setSaving(true);
    setError(null);
    try {
      await apiFetch(`/api/admin/users/${user.id}`, { method: 'PATCH', body: JSON.stringify({ monthlyCreditLimit: limit }) });
      onSaved(limit === null ? `${user.username} has no monthly limit.` : `${user.username} may spend ${formatCredits(Number(limit))} a month.`);
    } catch (e) {
      setError(e as ApiError);
      setSaving(false);
    }
  }

  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const v = value.trim();
        // Whole numbers go as numbers; anything else goes as typed, for the server to refuse in words.
        void save(v === '' ? null : /^-?[0-9]{1,10}$/.test(v) ? Number(v) : v);
      }}
    >
      <p className="muted">
        Spent this month (UTC): {formatCredits(user.spentThisMonth)}. Look-ups that would pass the limit are refused and cost nothing.
      </p>
      <TextField
        label="Credits per month"
        name="monthlyCreditLimit"
        value={value}
        onChange={setValue}
        inputMode="numeric"
        hint="A whole number; leave empty for no limit."
        error={error?.fieldError('monthlyCreditLimit')}
      />
      {error && <ErrorAlert title="The limit was not saved" error={error} inlineFields={['monthlyCreditLimit']} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving}>
          Save limit
        </button>
      </div>
    </form>
  );
}
