/** Billing facts both sides need: purchase states and how money is written for people. */
export const PURCHASE_STATUSES = ['pending', 'paid', 'expired', 'cancelled', 'failed', 'flagged'] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

export const PURCHASE_KINDS = ['checkout', 'auto_top_up'] as const;
export type PurchaseKind = (typeof PURCHASE_KINDS)[number];

/** An amount in minor units (Stripe's cents, yen, …) as people read it: $12.50, €9.00, ¥500. */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** A paid purchase's receipt number: stable, and unique because the purchase id is. */
export function receiptNumber(purchaseId: number, paidAt: string): string {
  return `RT-${paidAt.slice(0, 4)}-${String(purchaseId).padStart(6, '0')}`;
}
