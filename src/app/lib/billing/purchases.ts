import 'server-only';
import { formatMoney, receiptNumber, type PurchaseKind, type PurchaseStatus } from '@/app/shared/billing';
import { addCredits } from '../credits';
import type { Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { notFound } from '../errors';
import { emitEvent } from '../webhooks';
import { recordBillingEvent } from './audit';
import type { PurchaseListQuery } from './schemas';

export interface PurchaseRefund {
  id: number;
  amount: number;
  amountRefunded: number;
  creditsTakenBack: number;
  shortfall: number;
  transactionId: number | null;
  createdAt: string;
}

export interface Purchase {
  id: number;
  customerId: number;
  customerName: string;
  kind: PurchaseKind;
  status: PurchaseStatus;
  packId: number | null;
  packName: string;
  credits: number;
  /** The price when it was bought, in minor units, and as people read it. */
  unitAmount: number;
  currency: string;
  amountFormatted: string;
  /** Paid purchases only. */
  receiptNumber: string | null;
  paymentIntentId: string | null;
  transactionId: number | null;
  amountRefunded: number;
  creditsTakenBack: number;
  /** Credits a refund could not take back because they had been spent. */
  refundShortfall: number;
  refundState: 'none' | 'partial' | 'full';
  /** Why a purchase was flagged or failed, in words. */
  problem: string | null;
  createdAt: string;
  paidAt: string | null;
}

export interface PurchaseRow {
  id: number;
  customer_id: number;
  customer_name: string;
  kind: PurchaseKind;
  status: PurchaseStatus;
  pack_id: number | null;
  pack_name: string;
  credits: number;
  unit_amount: number;
  currency: string;
  created_by: number | null;
  checkout_session_id: string | null;
  payment_intent_id: string | null;
  stripe_request_key: string;
  transaction_id: number | null;
  amount_refunded: number;
  credits_taken_back: number;
  refund_shortfall: number;
  problem: string | null;
  created_at: Date;
  paid_at: Date | null;
}

export const PURCHASE_SELECT = `SELECT p.id, p.customer_id, c.name AS customer_name, p.kind, p.status, p.pack_id, p.pack_name, p.credits,
       p.unit_amount, p.currency, p.created_by, p.checkout_session_id, p.payment_intent_id, p.stripe_request_key, p.transaction_id,
       p.amount_refunded, p.credits_taken_back, p.refund_shortfall, p.problem, p.created_at, p.paid_at
  FROM purchases p JOIN customers c ON c.id = p.customer_id`;

export function toPurchase(r: PurchaseRow): Purchase {
  const paidAt = r.paid_at?.toISOString() ?? null;
  return {
    id: r.id,
    customerId: r.customer_id,
    customerName: r.customer_name,
    kind: r.kind,
    status: r.status,
    packId: r.pack_id,
    packName: r.pack_name,
    credits: r.credits,
    unitAmount: r.unit_amount,
    currency: r.currency,
    amountFormatted: formatMoney(r.unit_amount, r.currency),
    receiptNumber: r.status === 'paid' && paidAt ? receiptNumber(r.id, paidAt) : null,
    paymentIntentId: r.payment_intent_id,
    transactionId: r.transaction_id,
    amountRefunded: r.amount_refunded,
    creditsTakenBack: r.credits_taken_back,
    refundShortfall: r.refund_shortfall,
    refundState: r.amount_refunded === 0 ? 'none' : r.amount_refunded >= r.unit_amount ? 'full' : 'partial',
    problem: r.problem,
    createdAt: r.created_at.toISOString(),
    paidAt,
  };
}

/** Purchases, newest first: one customer's (`customerId`), or every customer's. */
export function listPurchases(db: Queryable, customerId: number | undefined, q: PurchaseListQuery): Promise<Page<Purchase>> {
  const where = new Conditions().maybe('p.customer_id = ?', customerId).maybe('p.status = ?', q.status);
  return listPage(db, q, {
    where,
    countFrom: 'FROM purchases p',
    select: (limit, offset) => `${PURCHASE_SELECT} ${where.sql} ORDER BY p.id DESC LIMIT ${limit} OFFSET ${offset}`,
    map: toPurchase,
  });
}

/** One purchase with its refunds (a receipt). `customerId`: the caller's tenant, if pinned. */
export async function getPurchase(db: Queryable, id: number, customerId: number | undefined): Promise<Purchase & { refunds: PurchaseRefund[] }> {
  const where = new Conditions().add('p.id = ?', id).maybe('p.customer_id = ?', customerId);
  const { rows } = await db.query<PurchaseRow>(`${PURCHASE_SELECT} ${where.sql}`, where.params);
  if (!rows[0]) throw notFound('Purchase', `No purchase with ID ${id}`);
  const refunds = await db.query<{
    id: number;
    amount: number;
    amount_refunded: number;
    credits_taken_back: number;
    shortfall: number;
    transaction_id: number | null;
    created_at: Date;
  }>('SELECT id, amount, amount_refunded, credits_taken_back, shortfall, transaction_id, created_at FROM purchase_refunds WHERE purchase_id = $1 AND customer_id = $2 ORDER BY id', [
    id,
    rows[0].customer_id,
  ]);
  return {
    ...toPurchase(rows[0]),
    refunds: refunds.rows.map((r) => ({
      id: r.id,
      amount: r.amount,
      amountRefunded: r.amount_refunded,
      creditsTakenBack: r.credits_taken_back,
      shortfall: r.shortfall,
      transactionId: r.transaction_id,
      createdAt: r.created_at.toISOString(),
    })),
  };
}

/** The purchase, locked for the rest of the transaction (events about one purchase are handled one at a time). */
export async function lockPurchase(tx: Queryable, where: { id: number } | { paymentIntentId: string }): Promise<PurchaseRow | undefined> {
  const [column, value] = 'id' in where ? ['p.id', where.id] : ['p.payment_intent_id', where.paymentIntentId];
  const { rows } = await tx.query<PurchaseRow>(`${PURCHASE_SELECT} WHERE ${column} = $1 FOR UPDATE OF p`, [value]);
  return rows[0];
}

export interface Payment {
  paymentIntentId: string;
  /** What Stripe says was paid, in minor units. */
  amount: number;
  currency: string;
}

/**
 * Books a payment Stripe confirmed for a purchase: one `purchase` ledger row (category `paid`,
 * payment id = the PaymentIntent), only if the amount and currency are the price recorded on the
 * purchase; otherwise the purchase is flagged, credits nothing, and the flag is audited. A purchase
 * already paid or flagged is left alone, so a second event about the same payment is harmless.
 * Returns what happened, for the event log.
 */
export async function bookPayment(tx: Queryable, purchase: PurchaseRow, payment: Payment): Promise<string> {
  if (purchase.status === 'paid') return 'already credited';
  if (purchase.status === 'flagged') return 'flagged before';
  const asked = formatMoney(purchase.unit_amount, purchase.currency);
  if (payment.amount !== purchase.unit_amount || payment.currency.toLowerCase() !== purchase.currency) {
    const paid = formatMoney(payment.amount, payment.currency);
    const problem = `Paid ${paid} (${payment.currency}) but the price was ${asked} (${purchase.currency}): not credited, check the payment in Stripe`;
    await flag(tx, purchase, payment.paymentIntentId, problem);
    await recordBillingEvent(tx, {
      customerId: purchase.customer_id,
      purchaseId: purchase.id,
      kind: 'amount_mismatch',
      message: problem,
      details: { paymentIntentId: payment.paymentIntentId, amount: payment.amount, currency: payment.currency, expected: { amount: purchase.unit_amount, currency: purchase.currency } },
    });
    return 'flagged: amount mismatch';
  }
  const reused = await tx.query('SELECT id FROM purchases WHERE payment_intent_id = $1 AND id <> $2', [payment.paymentIntentId, purchase.id]);
  if (reused.rows[0]) {
    // A payment credits once, whichever purchase an event names (the ledger's unique payment id is the last guard).
    const problem = `Payment ${payment.paymentIntentId} already paid for purchase #${(reused.rows[0] as { id: number }).id}: not credited again`;
    await flag(tx, purchase, null, problem);
    await recordBillingEvent(tx, { customerId: purchase.customer_id, purchaseId: purchase.id, kind: 'payment_reused', message: problem, details: { paymentIntentId: payment.paymentIntentId } });
    return 'flagged: payment already credited';
  }
  const row = await addCredits(tx, {
    customerId: purchase.customer_id,
    userId: purchase.created_by,
    type: 'purchase',
    category: 'paid',
    amount: purchase.credits,
    description: `${purchase.kind === 'auto_top_up' ? 'Auto top-up' : 'Purchase'} #${purchase.id}: ${purchase.pack_name} (${purchase.credits.toLocaleString('en-US')} credits, ${asked})`,
    paymentId: payment.paymentIntentId,
  });
  await tx.query(
    `UPDATE purchases SET status = 'paid', payment_intent_id = $2, transaction_id = $3, paid_at = now(), problem = NULL, updated_at = now() WHERE id = $1`,
    [purchase.id, payment.paymentIntentId, row.id],
  );
  await emitPurchaseEvent(tx, 'purchase.completed', purchase.id);
  return 'credited';
}

/**
 * The webhook event of a booked purchase or refund, `{ customerId, purchase, …extra }` with the
 * purchase as GET /api/billing/purchases/:id shows it, written in the booking's transaction: a
 * rollback (Stripe then sends its event again) sends nothing.
 */
export async function emitPurchaseEvent(tx: Queryable, type: 'purchase.completed' | 'purchase.refunded', purchaseId: number, extra: Record<string, unknown> = {}): Promise<void> {
  const { rows } = await tx.query<PurchaseRow>(`${PURCHASE_SELECT} WHERE p.id = $1`, [purchaseId]);
  const purchase = toPurchase(rows[0]!);
  await emitEvent(tx, { type, customerId: purchase.customerId, data: { customerId: purchase.customerId, purchase, ...extra } });
}

async function flag(tx: Queryable, purchase: PurchaseRow, paymentIntentId: string | null, problem: string): Promise<void> {
  await tx.query(`UPDATE purchases SET status = 'flagged', payment_intent_id = COALESCE(payment_intent_id, $2), problem = $3, updated_at = now() WHERE id = $1`, [
    purchase.id,
    paymentIntentId,
    problem,
  ]);
}

/** A pending purchase that ended without a payment: `expired` (Checkout timed out), `cancelled`, or `failed`. */
export async function endPurchase(tx: Queryable, id: number, status: 'expired' | 'cancelled' | 'failed', problem: string | null): Promise<boolean> {
  const { rowCount } = await tx.query(`UPDATE purchases SET status = $2, problem = $3, updated_at = now() WHERE id = $1 AND status = 'pending'`, [id, status, problem]);
  return rowCount > 0;
}
