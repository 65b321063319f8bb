'use client';

import { useState } from 'react';
import type { CreditPack } from '@/app/lib/billing';
import { apiFetch, useApi, type ApiError } from '@/app/_ui/api-client';
import { ErrorAlert, Loading } from '@/app/_ui/States';
import { TextField } from '@/app/_ui/TextField';
import { formatMoney } from '@/app/shared/billing';

const EMPTY = { name: '', credits: '', price: '', currency: 'usd' };

/** Price typed in major units ("12.50") → minor units for the API; anything else is sent as typed, for the server to refuse. */
function minorUnits(price: string, currency: string): number | string {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: /^[a-z]{3}$/i.test(currency) ? currency : 'usd' }).resolvedOptions().maximumFractionDigits ?? 2;
  const m = new RegExp(`^(\\d+)(?:\\.(\\d{1,${digits}}))?$`).exec(price.trim());
  return m ? Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || 0) : price;
}

/** SUPER_ADMIN: the credit packs tenants can buy; a new one; taking one off sale (past purchases keep their price). */
export function CreditPacks() {
  const packs = useApi<{ packs: CreditPack[] }>('/api/admin/credit-packs');
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof EMPTY) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const credits = /^\d+$/.test(form.credits.trim()) ? Number(form.credits.trim()) : form.credits;
      await apiFetch('/api/admin/credit-packs', {
        method: 'POST',
        body: JSON.stringify({ name: form.name, credits, unitAmount: minorUnits(form.price, form.currency), currency: form.currency }),
      });
      setForm(EMPTY);
      packs.reload();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }

  async function toggle(p: CreditPack) {
    setError(null);
    try {
      await apiFetch(`/api/admin/credit-packs/${p.id}`, { method: 'PATCH', body: JSON.stringify({ active: !p.active }) });
      packs.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  }

  return (
    <section aria-labelledby="packs-admin-heading" className="stack">
      <h2 id="packs-admin-heading">Credit packs</h2>
      {error && <ErrorAlert title="The pack was not saved" error={error} inlineFields={['name', 'credits', 'unitAmount', 'currency']} />}
      {packs.error && <ErrorAlert title="Failed to load packs" error={packs.error} onRetry={packs.reload} />}
      {!packs.data && !packs.error && <Loading label="Loading packs…" />}
      {packs.data && (
        <div className="table-scroll" role="region" aria-label="Credit packs table" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">Credits</th>
                <th scope="col" className="num">Price</th>
                <th scope="col">On sale</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {packs.data.packs.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td className="num">{p.credits.toLocaleString('en-US')}</td>
                  <td className="num">{formatMoney(p.unitAmount, p.currency)}</td>
                  <td>{p.active ? 'Yes' : 'No'}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-secondary btn-small nowrap"
                      aria-label={p.active ? `Take ${p.name} off sale` : `Put ${p.name} on sale`}
                      onClick={() => void toggle(p)}
                    >
                      {p.active ? 'Take off sale' : 'Put on sale'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="card stack" onSubmit={(e) => void create(e)} aria-label="New credit pack">
        <div className="form-row">
          <TextField label="Pack name" name="name" value={form.name} onChange={set('name')} maxLength={100} error={error?.fieldError('name')} />
          <TextField label="Credits" name="credits" value={form.credits} onChange={set('credits')} inputMode="numeric" error={error?.fieldError('credits')} />
          <TextField label="Price" name="price" value={form.price} onChange={set('price')} inputMode="decimal" hint="e.g. 10.00" error={error?.fieldError('unitAmount')} />
          <TextField label="Currency" name="currency" value={form.currency} onChange={set('currency')} maxLength={3} hint="ISO code: usd, eur, gbp…" error={error?.fieldError('currency')} />
        </div>
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Creating…' : 'Create pack'}
          </button>
        </div>
      </form>
    </section>
  );
}
