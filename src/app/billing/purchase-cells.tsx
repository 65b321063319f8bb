'use client';

import type { Purchase } from '@/app/lib/billing';
import { formatMoney } from '@/app/shared/billing';

const LABELS: Record<Purchase['status'], string> = {
  pending: 'Pending',
  paid: 'Paid',
  expired: 'Expired',
  cancelled: 'Cancelled',
  failed: 'Failed',
  flagged: 'Flagged',
};

/** A purchase's state in words (a refunded one says so), with why it failed or was flagged. */
export function PurchaseStatusBadge({ purchase: p }: { purchase: Purchase }) {
  const label = p.status === 'paid' && p.refundState !== 'none' ? (p.refundState === 'full' ? 'Refunded' : 'Partly refunded') : LABELS[p.status];
  const tone = p.status === 'paid' ? 'badge-active' : p.status === 'failed' || p.status === 'flagged' ? 'badge-problem' : 'badge-inactive';
  return (
    <>
      <span className={`badge ${tone}`}>{label}</span>
      {p.problem && <span className="small muted block">{p.problem}</span>}
    </>
  );
}

/** What refunds gave back: money, credits taken back, and credits already spent (the shortfall). */
export function RefundCell({ purchase: p }: { purchase: Purchase }) {
  if (p.amountRefunded === 0) return <span className="muted">—</span>;
  return (
    <span className="small">
      {formatMoney(p.amountRefunded, p.currency)} refunded; {p.creditsTakenBack.toLocaleString('en-US')} credits taken back
      {p.refundShortfall > 0 && `, ${p.refundShortfall.toLocaleString('en-US')} already spent`}
    </span>
  );
}
