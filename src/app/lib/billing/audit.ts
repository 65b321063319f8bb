import 'server-only';
import type { Queryable } from '../db';

/**
 * What billing did that people must be able to see later: a payment flagged for not matching its
 * price, a failed or switched-off auto top-up, a saved card, a refund that found credits spent.
 * Written in the transaction of the change it describes.
 */
export type BillingAuditKind =
  | 'amount_mismatch'
  | 'payment_reused'
  | 'refund'
  | 'refund_shortfall'
  | 'card_saved'
  | 'auto_top_up_failed'
  | 'auto_top_up_disabled';

export interface BillingAuditEntry {
  id: number;
  customerId: number | null;
  purchaseId: number | null;
  kind: BillingAuditKind;
  message: string;
  details: Record<string, unknown>;
  createdAt: string;
}

export async function recordBillingAudit(
  q: Queryable,
  e: { customerId: number | null; purchaseId?: number | null; kind: BillingAuditKind; message: string; details?: Record<string, unknown> },
): Promise<void> {
  await q.query('INSERT INTO billing_audit (customer_id, purchase_id, kind, message, details) VALUES ($1, $2, $3, $4, $5)', [
    e.customerId,
    e.purchaseId ?? null,
    e.kind,
    e.message,
    JSON.stringify(e.details ?? {}),
  ]);
}

/** A customer's newest billing audit entries. */
export async function billingAuditOf(q: Queryable, customerId: number, limit = 20): Promise<BillingAuditEntry[]> {
  const { rows } = await q.query<{
    id: number;
    customer_id: number | null;
    purchase_id: number | null;
    kind: BillingAuditKind;
    message: string;
    details: Record<string, unknown> | string;
    created_at: Date;
  }>('SELECT id, customer_id, purchase_id, kind, message, details, created_at FROM billing_audit WHERE customer_id = $1 ORDER BY id DESC LIMIT $2', [
    customerId,
    limit,
  ]);
  return rows.map((r) => ({
    id: Number(r.id),
    customerId: r.customer_id,
    purchaseId: r.purchase_id,
    kind: r.kind,
    message: r.message,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
    createdAt: r.created_at.toISOString(),
  }));
}
