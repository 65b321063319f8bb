import 'server-only';
import { formatMoney } from '@/app/shared/billing';
import { takeBackFromGrant } from '../credits';
import type { Queryable } from '../db';
import { recordBillingEvent } from './audit';
import { emitPurchaseEvent, type PurchaseRow } from './purchases';

/**
 * A refund of a purchase's payment, as `charge.refunded` reports it: `amountRefunded` is Stripe's
 * cumulative total on the charge. The credits owed back are `credits × amountRefunded / amount`,
 * rounded down, cumulative too; this event takes back the difference to what earlier refunds owed,
 * from this purchase's own grant only (a linked `void` row), as far as its remainder goes. What was
 * already spent is recorded as the purchase's shortfall: never taken from other grants, never
 * below zero. An older or repeated total (events out of order, a resend) changes nothing.
 */
export async function applyRefund(tx: Queryable, purchase: PurchaseRow, refund: { amountRefunded: number; amount: number; eventId: string }): Promise<string> {
  if (purchase.status !== 'paid' || purchase.transaction_id === null) return `not credited (${purchase.status}): nothing to take back`;
  if (refund.amountRefunded <= purchase.amount_refunded) return 'refund already applied';
  const owedBefore = Math.floor((purchase.credits * purchase.amount_refunded) / refund.amount);
  const owedNow = Math.min(purchase.credits, Math.floor((purchase.credits * refund.amountRefunded) / refund.amount));
  const owed = owedNow - owedBefore;
  const { taken, transaction } =
    owed > 0
      ? await takeBackFromGrant(tx, {
          customerId: purchase.customer_id,
          grantId: purchase.transaction_id,
          upTo: owed,
          userId: null,
          description: `Refund of purchase #${purchase.id}: ${formatMoney(refund.amountRefunded, purchase.currency)} of ${formatMoney(refund.amount, purchase.currency)} refunded, ${owed} credit(s) taken back`,
          paymentId: purchase.payment_intent_id,
        })
      : { taken: 0, transaction: null };
  const shortfall = owed - taken;
  await tx.query(
    `UPDATE purchases SET amount_refunded = $2, credits_taken_back = credits_taken_back + $3, refund_shortfall = refund_shortfall + $4, updated_at = now() WHERE id = $1`,
    [purchase.id, refund.amountRefunded, taken, shortfall],
  );
  await tx.query(
    `INSERT INTO purchase_refunds (purchase_id, customer_id, amount, amount_refunded, credits_taken_back, shortfall, transaction_id, stripe_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [purchase.id, purchase.customer_id, refund.amountRefunded - purchase.amount_refunded, refund.amountRefunded, taken, shortfall, transaction?.id ?? null, refund.eventId],
  );
  await emitPurchaseEvent(tx, 'purchase.refunded', purchase.id, {
    refund: { amount: refund.amountRefunded - purchase.amount_refunded, creditsTakenBack: taken, shortfall, transactionId: transaction?.id ?? null },
  });
  const message = `Refund of ${formatMoney(refund.amountRefunded - purchase.amount_refunded, purchase.currency)} on purchase #${purchase.id}: ${taken} credit(s) taken back${shortfall ? `, ${shortfall} already spent` : ''}`;
  await recordBillingEvent(tx, {
    customerId: purchase.customer_id,
    purchaseId: purchase.id,
    kind: shortfall ? 'refund_shortfall' : 'refund',
    message,
    details: { amountRefunded: refund.amountRefunded, taken, shortfall },
  });
  return message;
}
