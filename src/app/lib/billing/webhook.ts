import 'server-only';
import type Stripe from 'stripe';
import type { Db, Queryable } from '../db';
import { AppError } from '../errors';
import { billingAccount, recordSavedCard, saveCard, type SavedCard } from './accounts';
import { cardSaved, recordTopUpFailure, topUpSucceeded } from './auto-top-up';
import { bookPayment, endPurchase, lockPurchase, type PurchaseRow } from './purchases';
import { applyRefund } from './refunds';
import { stripeClient, verifiedEvent } from './stripe';

/**
 * POST /api/webhooks/stripe. The event is taken only with a valid signature; each event id is
 * handled once (stored in the transaction that applies it, so a failed attempt is retried by
 * Stripe and a replay or duplicate changes nothing); a payment credits once (the ledger's unique
 * payment id); a refund that overtakes its payment's event is answered 409, for Stripe to resend;
 * events of other types answer 200 and are ignored.
 */
export async function receiveStripeEvent(db: Db, payload: string, signature: string | null): Promise<{ received: true; outcome: string }> {
  const event = verifiedEvent(payload, signature);
  const seen = await db.query('SELECT 1 FROM stripe_events WHERE id = $1', [event.id]);
  if (seen.rows[0]) return { received: true, outcome: 'duplicate' };
  // Stripe calls (reading and setting the saved card) happen before the transaction; they are safe to repeat.
  const card = await cardToSave(db, event);
  const outcome = await db.transaction(async (tx) => {
    const fresh = await tx.query('INSERT INTO stripe_events (id, type, outcome) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [event.id, event.type, 'handling']);
    if (fresh.rowCount === 0) return { text: 'duplicate', purchaseId: null };
    const result = await apply(tx, event, card);
    await tx.query('UPDATE stripe_events SET outcome = $2, purchase_id = $3 WHERE id = $1', [event.id, result.text, result.purchaseId]);
    return result;
  });
  return { received: true, outcome: outcome.text };
}

type Outcome = { text: string; purchaseId: number | null };

const meta = (o: { metadata?: Stripe.Metadata | null }, key: string) => {
  const v = Number(o.metadata?.[key]);
  return Number.isSafeInteger(v) && v > 0 ? v : null;
};
const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : (v?.id ?? null));

/** The purchase a Checkout Session is for: by its session id, or (before the id was stored) its metadata. */
async function sessionPurchase(tx: Queryable, session: Stripe.Checkout.Session): Promise<PurchaseRow | undefined> {
  const { rows } = await tx.query<{ id: number }>('SELECT id FROM purchases WHERE checkout_session_id = $1', [session.id]);
  const id = rows[0]?.id ?? meta(session, 'purchaseId');
  const purchase = id === null ? undefined : await lockPurchase(tx, { id });
  if (!purchase || (purchase.checkout_session_id !== null && purchase.checkout_session_id !== session.id)) return undefined;
  return purchase.customer_id === meta(session, 'customerId') ? purchase : undefined;
}

/** A card the event saved for off-session use (setup session, or a purchase made with auto top-up on), made the default. */
async function cardToSave(db: Queryable, event: Stripe.Event): Promise<{ customerId: number; card: SavedCard } | null> {
  if (event.type !== 'checkout.session.completed') return null;
  const session = event.data.object;
  const customerId = meta(session, 'customerId');
  const stripeCustomer = idOf(session.customer);
  if (customerId === null || !stripeCustomer) return null;
  const account = await billingAccount(db, customerId);
  if (account.stripe_customer_id !== stripeCustomer) return null;
  const stripe = stripeClient();
  let pm: string | null = null;
  if (session.mode === 'setup' && session.setup_intent) {
    pm = idOf((await stripe.setupIntents.retrieve(idOf(session.setup_intent)!)).payment_method);
  } else if (session.mode === 'payment' && session.payment_intent) {
    const pi = await stripe.paymentIntents.retrieve(idOf(session.payment_intent)!);
    if (pi.setup_future_usage === 'off_session') pm = idOf(pi.payment_method);
  }
  return pm ? { customerId, card: await saveCard(stripe, stripeCustomer, pm) } : null;
}

async function apply(tx: Queryable, event: Stripe.Event, card: { customerId: number; card: SavedCard } | null): Promise<Outcome> {
  if (card) {
    await recordSavedCard(tx, card.customerId, card.card);
    await cardSaved(tx, card.customerId);
  }
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      if (session.mode !== 'payment') return { text: card ? 'card saved' : 'nothing to do', purchaseId: null };
      const purchase = await sessionPurchase(tx, session);
      if (!purchase) return { text: 'no matching purchase: ignored', purchaseId: null };
      if (session.payment_status !== 'paid') return { text: 'awaiting the payment', purchaseId: purchase.id };
      const text = await bookPayment(tx, purchase, { paymentIntentId: idOf(session.payment_intent)!, amount: session.amount_total ?? 0, currency: session.currency ?? '' });
      return { text, purchaseId: purchase.id };
    }
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired': {
      const session = event.data.object;
      const purchase = session.mode === 'payment' ? await sessionPurchase(tx, session) : undefined;
      if (!purchase) return { text: 'no matching purchase: ignored', purchaseId: null };
      const failed = event.type === 'checkout.session.async_payment_failed';
      const ended = await endPurchase(tx, purchase.id, failed ? 'failed' : 'expired', failed ? 'The payment failed' : null);
      return { text: ended ? (failed ? 'payment failed' : 'expired') : `left ${purchase.status}`, purchaseId: purchase.id };
    }
    case 'payment_intent.succeeded': {
      const pi = event.data.object;
      const purchase = await topUpPurchase(tx, pi);
      // Checkout purchases are credited by their session's event, which Stripe sends as well.
      if (!purchase) return { text: 'not an auto top-up: ignored', purchaseId: null };
      await topUpSucceeded(tx, purchase);
      return { text: await bookPayment(tx, purchase, { paymentIntentId: pi.id, amount: pi.amount_received, currency: pi.currency }), purchaseId: purchase.id };
    }
    case 'payment_intent.payment_failed': {
      const pi = event.data.object;
      const purchase = await topUpPurchase(tx, pi);
      if (!purchase) return { text: 'not an auto top-up: ignored', purchaseId: null };
      return { text: await recordTopUpFailure(tx, purchase.id, pi.id, pi.last_payment_error?.message ?? 'The payment failed'), purchaseId: purchase.id };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const purchase = await chargePurchase(tx, charge);
      if (!purchase) return { text: 'no matching purchase: ignored', purchaseId: null };
      if (purchase.status === 'pending') {
        // Delivered ahead of the payment's own event: not stored, so Stripe sends it again later.
        throw new AppError('conflict', 'Payment not credited yet', `The payment refunded by ${event.id} has not been credited yet; send the event again later`);
      }
      return { text: await applyRefund(tx, purchase, { amountRefunded: charge.amount_refunded, amount: charge.amount, eventId: event.id }), purchaseId: purchase.id };
    }
    default:
      return { text: 'ignored', purchaseId: null };
  }
}

/** The purchase a charge paid for: by its PaymentIntent once credited, before that by the metadata the charge carries. */
async function chargePurchase(tx: Queryable, charge: Stripe.Charge): Promise<PurchaseRow | undefined> {
  const piId = idOf(charge.payment_intent);
  const byPayment = piId ? await lockPurchase(tx, { paymentIntentId: piId }) : undefined;
  if (byPayment) return byPayment;
  const id = meta(charge, 'purchaseId');
  const purchase = id === null ? undefined : await lockPurchase(tx, { id });
  return purchase && purchase.customer_id === meta(charge, 'customerId') && purchase.payment_intent_id === null ? purchase : undefined;
}

/** The auto top-up purchase a PaymentIntent was created for (its metadata, checked against the stored customer). */
async function topUpPurchase(tx: Queryable, pi: Stripe.PaymentIntent): Promise<PurchaseRow | undefined> {
  if (pi.metadata?.kind !== 'auto_top_up') return undefined;
  const id = meta(pi, 'purchaseId');
  const purchase = id === null ? undefined : await lockPurchase(tx, { id });
  if (!purchase || purchase.kind !== 'auto_top_up' || purchase.customer_id !== meta(pi, 'customerId')) return undefined;
  if (purchase.payment_intent_id !== null && purchase.payment_intent_id !== pi.id) return undefined;
  return purchase;
}
