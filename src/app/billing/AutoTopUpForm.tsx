'use client';

import { useState } from 'react';
import type { AutoTopUpSettings, CreditPack } from '@/app/lib/billing';
import { apiFetch, type ApiError } from '@/app/_ui/api-client';
import { formatCredits } from '@/app/_ui/format';
import { Time } from '@/app/_ui/Time';
import { TextField } from '@/app/_ui/TextField';
import { ErrorAlert } from '@/app/_ui/States';
import { formatMoney } from '@/app/shared/billing';

const STATE_TEXT: Record<AutoTopUpSettings['state'], string> = {
  armed: 'Waiting: a pack is bought when the balance falls below the threshold.',
  due: 'The balance is below the threshold: a pack is being bought.',
  charging: 'Charging the saved card now.',
  spent: 'Topped up: it buys again once the balance has been back at the threshold.',
};

/** Whole numbers typed as text: "" stays empty, anything else that isn't plain digits is kept as typed for the server to refuse. */
const toNumber = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : s.trim() === '' ? undefined : s);

/** Auto top-up settings: threshold, pack, monthly limit; saving asks Stripe for a card when none is saved. */
export function AutoTopUpForm({ settings, packs, buyingEnabled, onSaved }: { settings: AutoTopUpSettings; packs: CreditPack[]; buyingEnabled: boolean; onSaved: () => void }) {
  const [enabled, setEnabled] = useState(settings.enabled);
  const [threshold, setThreshold] = useState(String(settings.thresholdCredits));
  const [packId, setPackId] = useState(String(settings.packId ?? packs[0]?.id ?? ''));
  const [limit, setLimit] = useState(String(settings.monthlyLimit));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const body = { enabled, thresholdCredits: toNumber(threshold), packId: packId ? Number(packId) : undefined, monthlyLimit: toNumber(limit) };
      const answer = await apiFetch<{ url?: string }>('/api/billing/auto-top-up', { method: 'PUT', body: JSON.stringify(body) });
      if (answer.url) {
        window.location.assign(answer.url);
        return;
      }
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card stack" aria-labelledby="auto-top-up-heading" onSubmit={(e) => void save(e)}>
      <h2 id="auto-top-up-heading">Auto top-up</h2>
      <p className="muted small">
        {settings.enabled ? STATE_TEXT[settings.state] : 'Off.'} Card:{' '}
        {settings.card ? `${settings.card.brand ?? 'card'} •••• ${settings.card.last4 ?? ''}` : 'none saved (saving with auto top-up on asks for one)'}. Charges this
        month: {settings.chargesThisMonth} of {settings.monthlyLimit}.
        {settings.enabled && settings.nextAttemptAt && (
          <>
            {' '}Next attempt: <Time iso={settings.nextAttemptAt} />.
          </>
        )}
        {settings.consecutiveFailures > 0 && ` Failed charges in a row: ${settings.consecutiveFailures} (it switches itself off at 3).`}
      </p>
      {error && <ErrorAlert title="Auto top-up was not saved" error={error} inlineFields={['thresholdCredits', 'monthlyLimit', 'packId']} />}
      {saved && (
        <p role="status" className="alert alert-success">
          Saved.
        </p>
      )}
      <label className="field-checkbox">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} disabled={!buyingEnabled && !settings.enabled} />
        Buy a pack automatically when the balance runs low
      </label>
      <div className="form-row">
        <TextField
          label="Threshold (credits)"
          name="thresholdCredits"
          value={threshold}
          onChange={setThreshold}
          inputMode="numeric"
          hint="Buy when a look-up takes the balance below this."
          error={error?.fieldError('thresholdCredits')}
        />
        <div className="field">
          <label htmlFor="auto-top-up-pack">Pack to buy</label>
          <select id="auto-top-up-pack" value={packId} onChange={(e) => setPackId(e.target.value)}>
            {packs.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}: {formatCredits(p.credits)} for {formatMoney(p.unitAmount, p.currency)}
              </option>
            ))}
          </select>
          {error?.fieldError('packId') && <p className="field-error">{error.fieldError('packId')}</p>}
        </div>
        <TextField
          label="Monthly limit (charges)"
          name="monthlyLimit"
          value={limit}
          onChange={setLimit}
          inputMode="numeric"
          hint="At most this many automatic purchases per calendar month."
          error={error?.fieldError('monthlyLimit')}
        />
      </div>
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy || packs.length === 0} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save auto top-up'}
        </button>
      </div>
    </form>
  );
}
