'use client';

import { useState } from 'react';
import type { BillingOverview, CreditPack, Purchase } from '@/app/lib/billing';
import { apiFetch, useApi, type ApiError, type Page } from '@/app/_ui/api-client';
import { formatCredits, formatDate } from '@/app/_ui/format';
import { Time } from '@/app/_ui/Time';
import { ErrorAlert, Loading } from '@/app/_ui/States';
import { formatMoney } from '@/app/shared/billing';
import { AutoTopUpForm } from './AutoTopUpForm';
import { ReturnNotice } from './ReturnNotice';
import { PurchasesTable } from './PurchasesTable';

/** The customer admin's billing page: balance by kind, packs to buy, auto top-up, purchases with receipts. */
/** `returnedWith`: the query Stripe sent the buyer back with (`checkout`, `purchase`, `setup`). */
export function BillingClient({ customerName, returnedWith }: { customerName: string; returnedWith: Record<string, string> }) {
  const params = new URLSearchParams(returnedWith);
  const overview = useApi<BillingOverview>('/api/billing/overview');
  const packs = useApi<{ packs: CreditPack[] }>('/api/billing/packs');
  const [page, setPage] = useState(1);
  const purchases = useApi<Page<Purchase>>(`/api/billing/purchases?page=${page}&pageSize=10`);
  const [buying, setBuying] = useState<number | null>(null);
  const [buyError, setBuyError] = useState<ApiError | null>(null);
  const refresh = () => {
    overview.reload();
    purchases.reload();
  };

  async function buy(pack: CreditPack) {
    setBuying(pack.id);
    setBuyError(null);
    try {
      const { url } = await apiFetch<{ url: string; purchaseId: number }>('/api/billing/checkout', { method: 'POST', body: JSON.stringify({ packId: pack.id }) });
      window.location.assign(url);
    } catch (err) {
      setBuyError(err as ApiError);
      setBuying(null);
    }
  }

  if (overview.error) return <ErrorAlert title="Failed to load billing" error={overview.error} onRetry={overview.reload} />;
  const o = overview.data;
  if (!o) return <Loading label="Loading billing…" />;
  const disabled = o.autoTopUp.disabledReason;

  return (
    <div className="stack">
      <ReturnNotice params={params} onSettled={refresh} />

      {!o.buyingEnabled && (
        <div role="status" className="alert alert-warning" data-testid="buying-off">
          <p className="alert-title">Buying is off</p>
          <p>This installation is not connected to a payment provider, so credits can&apos;t be bought here. Your balance and purchase history still work; ask your platform administrator to add credits.</p>
        </div>
      )}

      {disabled && !o.autoTopUp.enabled && (
        <div role="alert" className="alert alert-error" data-testid="auto-top-up-off">
          <p className="alert-title">Auto top-up is off</p>
          <p>{disabled}</p>
        </div>
      )}

      <section className="card stack billing-balance" aria-labelledby="balance-heading">
        <h2 id="balance-heading">Credits of {customerName}</h2>
        <dl className="stats">
          <div>
            <dt>Balance</dt>
            <dd data-testid="billing-balance">{formatCredits(o.balance)}</dd>
          </div>
          <div>
            <dt>Paid</dt>
            <dd data-testid="billing-paid">{formatCredits(o.paid)}</dd>
          </div>
          <div>
            <dt>Promotional</dt>
            <dd data-testid="billing-promotional">{formatCredits(o.promotional)}</dd>
          </div>
          <div>
            <dt>Expiring in {o.expiringSoon.days} days</dt>
            <dd>{formatCredits(o.expiringSoon.credits)}</dd>
          </div>
        </dl>
        {o.expiringSoon.next && (
          <p className="muted small">
            The first of them expire on {formatDate(o.expiringSoon.next)}. Credits that expire soonest are spent first.
          </p>
        )}
      </section>

      <section className="card stack" aria-labelledby="packs-heading">
        <h2 id="packs-heading">Buy credits</h2>
        {buyError && <ErrorAlert title="Checkout could not start" error={buyError} />}
        {packs.error && <ErrorAlert title="Failed to load packs" error={packs.error} onRetry={packs.reload} />}
        {packs.data && packs.data.packs.length === 0 && <p className="muted">No credit packs are on sale yet.</p>}
        {packs.data && packs.data.packs.length > 0 && (
          <ul className="pack-grid">
            {packs.data.packs.map((p) => (
              <li key={p.id} className="pack-card">
                <h3>{p.name}</h3>
                <p className="pack-credits">{formatCredits(p.credits)}</p>
                <p className="pack-price">{formatMoney(p.unitAmount, p.currency)}</p>
                <button
                  type="button"
                  className="btn btn-primary"
                  disabled={!o.buyingEnabled || buying !== null}
                  aria-busy={buying === p.id}
                  aria-label={`Buy ${p.name}: ${formatCredits(p.credits)} for ${formatMoney(p.unitAmount, p.currency)}`}
                  onClick={() => void buy(p)}
                >
                  {buying === p.id ? 'Opening checkout…' : 'Buy'}
                </button>
              </li>
            ))}
          </ul>
        )}
        {o.buyingEnabled && <p className="muted small">Payment is taken by Stripe. Credits are added as soon as Stripe confirms the payment.</p>}
      </section>

      {packs.data && (o.buyingEnabled || o.autoTopUp.enabled) && <AutoTopUpForm settings={o.autoTopUp} packs={packs.data.packs} buyingEnabled={o.buyingEnabled} onSaved={overview.reload} />}

      {o.alerts.length > 0 && (
        <section className="card stack" aria-labelledby="alerts-heading">
          <h2 id="alerts-heading">Billing notices</h2>
          <ul className="notice-list">
            {o.alerts.map((a) => (
              <li key={a.id}>
                <span className="muted small"><Time iso={a.createdAt} /></span> {a.message}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="stack" aria-labelledby="purchases-heading">
        <h2 id="purchases-heading">Purchases</h2>
        <PurchasesTable list={purchases} onPage={setPage} caption="Purchases table" empty="No purchases yet." />
      </section>
    </div>
  );
}
