'use client';

import Link from 'next/link';
import type { Purchase, PurchaseRefund } from '@/app/lib/billing';
import { useApi } from '@/app/_ui/api-client';
import { Time } from '@/app/_ui/Time';
import { ErrorAlert, Loading } from '@/app/_ui/States';
import { formatMoney } from '@/app/shared/billing';

/** A paid purchase's printable receipt: number, date, pack, credits, amount, payment id, refunds. */
export function ReceiptClient({ id }: { id: number | null }) {
  const receipt = useApi<{ purchase: Purchase & { refunds: PurchaseRefund[] } }>(id === null ? null : `/api/billing/purchases/${id}`);
  if (id === null) return <p role="alert">No such receipt.</p>;
  if (receipt.error) return <ErrorAlert title="Failed to load the receipt" error={receipt.error} onRetry={receipt.reload} />;
  const p = receipt.data?.purchase;
  if (!p) return <Loading label="Loading the receipt…" />;
  if (!p.receiptNumber || !p.paidAt) {
    return (
      <section className="card stack narrow">
        <h1>No receipt</h1>
        <p>Purchase #{p.id} is {p.status}: only paid purchases have a receipt.</p>
        <Link href="/billing">Back to billing</Link>
      </section>
    );
  }
  return (
    <article className="card stack receipt" aria-labelledby="receipt-heading">
      <div className="toolbar no-print">
        <Link href="/billing">← Billing</Link>
        <button type="button" className="btn btn-secondary" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <h1 id="receipt-heading">Receipt {p.receiptNumber}</h1>
      <dl>
        <dt>Receipt number</dt>
        <dd data-testid="receipt-number">{p.receiptNumber}</dd>
        <dt>Date</dt>
        <dd>{p.paidAt && <Time iso={p.paidAt} />}</dd>
        <dt>Billed to</dt>
        <dd>{p.customerName}</dd>
        <dt>Item</dt>
        <dd>
          {p.packName}
          {p.kind === 'auto_top_up' ? ' (auto top-up)' : ''}
        </dd>
        <dt>Credits</dt>
        <dd>{p.credits.toLocaleString('en-US')}</dd>
        <dt>Amount paid</dt>
        <dd data-testid="receipt-amount">
          {p.amountFormatted} <span className="muted">({p.currency.toUpperCase()})</span>
        </dd>
        <dt>Payment</dt>
        <dd className="mono small">{p.paymentIntentId}</dd>
        <dt>Refunded</dt>
        <dd>
          {p.amountRefunded > 0 ? (
            <>
              {formatMoney(p.amountRefunded, p.currency)}; {p.creditsTakenBack.toLocaleString('en-US')} credits taken back
              {p.refundShortfall > 0 && ` (${p.refundShortfall.toLocaleString('en-US')} had already been spent)`}
            </>
          ) : (
            'Nothing'
          )}
        </dd>
      </dl>
      {p.refunds.length > 0 && (
        <table className="data-table compact">
          <caption className="visually-hidden">Refunds</caption>
          <thead>
            <tr>
              <th scope="col">Refund date</th>
              <th scope="col" className="num">Amount</th>
              <th scope="col" className="num">Credits taken back</th>
            </tr>
          </thead>
          <tbody>
            {p.refunds.map((r) => (
              <tr key={r.id}>
                <td>
                  <Time iso={r.createdAt} />
                </td>
                <td className="num">{formatMoney(r.amount, p.currency)}</td>
                <td className="num">{r.creditsTakenBack.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted small">Paid through Stripe. Credits bought do not expire.</p>
    </article>
  );
}
