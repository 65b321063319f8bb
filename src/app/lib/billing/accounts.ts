import 'server-only';
import type Stripe from 'stripe';
import type { Queryable } from '../db';
import { notFound } from '../errors';
import { recordBillingEvent } from './audit';

/** A customer's link to Stripe: its Stripe customer and the card saved for off-session charges. */
export interface BillingAccountRow {
  customer_id: number;
  stripe_customer_id: string | null;
  stripe_request_key: string;
  payment_method_id: string | null;
  card_brand: string | null;
  card_last4: string | null;
  auto_top_up: boolean;
  threshold_credits: number;
  top_up_pack_id: number | null;
  monthly_limit: number;
  top_up_state: 'armed' | 'due' | 'charging' | 'spent';
  next_attempt_at: Date | null;
  charging_purchase_id: number | null;
  consecutive_failures: number;
  disabled_reason: string | null;
  updated_at: Date;
}

/** The customer's billing account, made on first use; 404 for a customer that doesn't exist. */
export async function billingAccount(q: Queryable, customerId: number, opts: { lock?: boolean } = {}): Promise<BillingAccountRow> {
  await q.query('INSERT INTO billing_accounts (customer_id) SELECT id FROM customers WHERE id = $1 ON CONFLICT (customer_id) DO NOTHING', [customerId]);
  const { rows } = await q.query<BillingAccountRow>(`SELECT * FROM billing_accounts WHERE customer_id = $1 ${opts.lock ? 'FOR UPDATE' : ''}`, [customerId]);
  if (!rows[0]) throw notFound('Customer', `No customer with ID ${customerId}`);
  return rows[0];
}

/**
 * The customer's Stripe customer, created once. Its metadata names our customer; the account's own
 * idempotency key makes concurrent first purchases share one Stripe customer, and the UPDATE keeps
 * the first id stored.
 */
export async function ensureStripeCustomer(db: Queryable, stripe: Stripe, customerId: number): Promise<string> {
  const account = await billingAccount(db, customerId);
  if (account.stripe_customer_id) return account.stripe_customer_id;
  const { rows } = await db.query<{ name: string; contact_email: string | null }>('SELECT name, contact_email FROM customers WHERE id = $1', [customerId]);
  const created = await stripe.customers.create(
    { name: rows[0]?.name, email: rows[0]?.contact_email ?? undefined, metadata: { customerId: String(customerId) } },
    { idempotencyKey: `customer-${account.stripe_request_key}` },
  );
  const stored = await db.query<{ stripe_customer_id: string }>(
    `UPDATE billing_accounts SET stripe_customer_id = COALESCE(stripe_customer_id, $2), updated_at = now() WHERE customer_id = $1 RETURNING stripe_customer_id`,
    [customerId, created.id],
  );
  return stored.rows[0]!.stripe_customer_id;
}

/**
 * Makes a card the customer saved the one off-session charges use: Stripe's default payment method
 * on the Stripe customer, and ours. Stripe calls are made first (they are safe to repeat).
 */
export async function saveCard(stripe: Stripe, stripeCustomerId: string, paymentMethodId: string): Promise<SavedCard> {
  await stripe.customers.update(stripeCustomerId, { invoice_settings: { default_payment_method: paymentMethodId } });
  const pm = await stripe.paymentMethods.retrieve(paymentMethodId);
  return { paymentMethodId, brand: pm.card?.brand ?? null, last4: pm.card?.last4 ?? null };
}

export interface SavedCard {
  paymentMethodId: string;
  brand: string | null;
  last4: string | null;
}

export async function recordSavedCard(tx: Queryable, customerId: number, card: SavedCard): Promise<void> {
  await tx.query(
    `UPDATE billing_accounts SET payment_method_id = $2, card_brand = $3, card_last4 = $4, updated_at = now() WHERE customer_id = $1`,
    [customerId, card.paymentMethodId, card.brand, card.last4],
  );
  await recordBillingEvent(tx, {
    customerId,
    kind: 'card_saved',
    message: `Card saved for auto top-up: ${card.brand ?? 'card'} •••• ${card.last4 ?? '????'}`,
    details: { paymentMethodId: card.paymentMethodId },
  });
}
