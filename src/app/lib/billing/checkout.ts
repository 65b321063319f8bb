import 'server-only';
import type { Actor } from '../auth/caller';
import type { Db } from '../db';
import { AppError } from '../errors';
import { billingAccount, ensureStripeCustomer } from './accounts';
import { packOnSale } from './packs';
import { endPurchase } from './purchases';
import { stripeClient } from './stripe';

/** How long a Checkout Session stays payable (Stripe allows 30 minutes to 24 hours). */
const CHECKOUT_LIFETIME_SECONDS = 60 * 60;

const stripeFailed = (err: unknown) =>
  new AppError('bad_gateway', 'Stripe is unavailable', `Stripe did not accept the request: ${(err as Error).message ?? String(err)}`);

/**
 * Starts buying a pack: a pending purchase at the pack's price now, and a Checkout Session (mode
 * `payment`, inline price_data, customer/pack/purchase in client_reference_id and metadata, on the
 * PaymentIntent too). With auto top-up on, the card is saved for off-session charges. Nothing is
 * credited here: only the verified webhook does that.
 */
export async function startCheckout(db: Db, actor: Actor, customerId: number, packId: number, appUrl: string): Promise<{ url: string; purchaseId: number }> {
  const stripe = stripeClient();
  const purchase = await db.transaction(async (tx) => {
    const pack = await packOnSale(tx, packId);
    const { rows } = await tx.query<{ id: number; stripe_request_key: string }>(
      `INSERT INTO purchases (customer_id, pack_id, kind, status, pack_name, credits, unit_amount, currency, created_by)
       VALUES ($1, $2, 'checkout', 'pending', $3, $4, $5, $6, $7) RETURNING id, stripe_request_key`,
      [customerId, pack.id, pack.name, pack.credits, pack.unitAmount, pack.currency, actor.id],
    );
    return { id: rows[0]!.id, requestKey: rows[0]!.stripe_request_key, pack };
  });
  const { pack } = purchase;
  const metadata = { customerId: String(customerId), packId: String(pack.id), purchaseId: String(purchase.id) };
  try {
    const account = await billingAccount(db, customerId);
    const customer = await ensureStripeCustomer(db, stripe, customerId);
    const back = (state: string) => `${appUrl}/billing?checkout=${state}&purchase=${purchase.id}`;
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        customer,
        line_items: [
          {
            quantity: 1,
            price_data: { currency: pack.currency, unit_amount: pack.unitAmount, product_data: { name: `${pack.name} (${pack.credits.toLocaleString('en-US')} credits)` } },
          },
        ],
        client_reference_id: `customer-${customerId}_purchase-${purchase.id}`,
        metadata,
        payment_intent_data: {
          metadata,
          description: `Purchase #${purchase.id}: ${pack.name}`,
          ...(account.auto_top_up && { setup_future_usage: 'off_session' as const }),
        },
        success_url: back('success'),
        cancel_url: back('cancelled'),
        expires_at: Math.floor(Date.now() / 1000) + CHECKOUT_LIFETIME_SECONDS,
      },
      { idempotencyKey: `checkout-${purchase.requestKey}` },
    );
    await db.query('UPDATE purchases SET checkout_session_id = $2, updated_at = now() WHERE id = $1', [purchase.id, session.id]);
    return { url: session.url!, purchaseId: purchase.id };
  } catch (err) {
    await endPurchase(db, purchase.id, 'failed', 'Checkout could not be started');
    throw stripeFailed(err);
  }
}

/** A Checkout Session in `setup` mode that saves a card on the customer's Stripe customer for auto top-up. */
export async function startCardSetup(db: Db, customerId: number, currency: string, appUrl: string): Promise<string> {
  const stripe = stripeClient();
  try {
    const customer = await ensureStripeCustomer(db, stripe, customerId);
    const session = await stripe.checkout.sessions.create({
      mode: 'setup',
      currency,
      customer,
      client_reference_id: `customer-${customerId}`,
      metadata: { customerId: String(customerId), purpose: 'save_card' },
      success_url: `${appUrl}/billing?setup=success`,
      cancel_url: `${appUrl}/billing?setup=cancelled`,
    });
    return session.url!;
  } catch (err) {
    throw stripeFailed(err);
  }
}

/**
 * Ends a pending checkout the buyer walked away from (the Cancel link back to the billing page):
 * the session is expired at Stripe so it can no longer be paid, and `checkout.session.expired`
 * marks the purchase. Idempotent: a purchase that is no longer pending is left as it is.
 */
export async function cancelCheckout(db: Db, customerId: number | undefined, purchaseId: number): Promise<void> {
  const { rows } = await db.query<{ checkout_session_id: string | null; status: string }>(
    'SELECT checkout_session_id, status FROM purchases WHERE id = $1 AND ($2::int IS NULL OR customer_id = $2)',
    [purchaseId, customerId ?? null],
  );
  const p = rows[0];
  if (!p) throw new AppError('not_found', 'Purchase not found', `No purchase with ID ${purchaseId}`);
  if (p.status !== 'pending' || !p.checkout_session_id) return;
  const stripe = stripeClient();
  // Marked first: the expiry's own event, which may arrive at once, then finds nothing pending.
  await endPurchase(db, purchaseId, 'cancelled', null);
  try {
    const session = await stripe.checkout.sessions.retrieve(p.checkout_session_id);
    if (session.status === 'open') await stripe.checkout.sessions.expire(session.id);
  } catch (err) {
    // Still payable at Stripe: if it is paid after all, the payment is credited (money and credits never disagree).
    throw stripeFailed(err);
  }
}
