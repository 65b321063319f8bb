import 'server-only';
import { recordAudit } from '../audit';
import type { Queryable } from '../db';

/**
 * What billing itself did that people must be able to see later: a payment flagged for not matching
 * its price, a refund (and what it could not take back), a saved card, a failed or switched-off auto
 * top-up. Recorded in the shared audit log as `billing.<kind>`, with no actor (Stripe's events and
 * the auto top-up job act for no one), in the transaction of the change it describes.
 */
export type BillingEventKind =
  | 'amount_mismatch'
  | 'payment_reused'
  | 'refund'
  | 'refund_shortfall'
  | 'card_saved'
  | 'auto_top_up_failed'
  | 'auto_top_up_disabled';

/** What the billing page tells the customer's admins: failed or switched-off top-ups, flagged payments, refunds that found credits spent. */
const NOTICE_KINDS: BillingEventKind[] = ['amount_mismatch', 'payment_reused', 'refund_shortfall', 'auto_top_up_failed', 'auto_top_up_disabled'];

export interface BillingNotice {
  id: number;
  customerId: number;
  purchaseId: number | null;
  kind: BillingEventKind;
  message: string;
  createdAt: string;
}

export function recordBillingEvent(
  q: Queryable,
  e: { customerId: number; purchaseId?: number | null; kind: BillingEventKind; message: string; details?: Record<string, unknown> },
): Promise<void> {
  return recordAudit(q, {
    action: `billing.${e.kind}`,
    actor: null,
    customerId: e.customerId,
    target: e.purchaseId ? { type: 'purchase', id: e.purchaseId } : null,
    after: { message: e.message, ...e.details },
  });
}

/** A customer's newest billing notices, from the audit log (its customer index, newest first). */
export async function billingNotices(q: Queryable, customerId: number, limit = 10): Promise<BillingNotice[]> {
  const { rows } = await q.query<{ id: number; action: string; target_id: number | null; after: { message: string } | string; created_at: Date }>(
    `SELECT id, action, target_id, after, created_at FROM audit_events
      WHERE customer_id = $1 AND action = ANY($2::text[]) ORDER BY id DESC LIMIT $3`,
    [customerId, NOTICE_KINDS.map((k) => `billing.${k}`), limit],
  );
  return rows.map((r) => {
    const after = typeof r.after === 'string' ? (JSON.parse(r.after) as { message: string }) : r.after;
    return {
      id: Number(r.id),
      customerId,
      purchaseId: r.target_id === null ? null : Number(r.target_id),
      kind: r.action.slice('billing.'.length) as BillingEventKind,
      message: after.message,
      createdAt: r.created_at.toISOString(),
    };
  });
}
