// PaymentIntents, the charges they make, and refunds of those charges.
import { docUrl, invalidRequest, StripeApiError } from './errors';
import { mergeMetadata, type Params } from './form';
import { newId, now, update, type Store } from './store';
import type { Charge, EventRequest, Metadata, PaymentIntent, PaymentMethod, Refund } from './types';

// Stripe's smallest chargeable amounts, in minor units; 50 is its figure for most currencies.
const MINIMUM_AMOUNT: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, jpy: 50 };

export const money = (amount: number, currency: string) => {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
};

export function checkMinimumAmount(amount: number, currency: string, param: string): void {
  const minimum = MINIMUM_AMOUNT[currency] ?? 50;
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${money(minimum, currency)} ${currency}`, { code: 'amount_too_small', param });
  }
}

const DECLINE = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };

type PaymentIntentFields = Pick<PaymentIntent, 'amount' | 'currency' | 'customer' | 'payment_method' | 'metadata' | 'description' | 'setup_future_usage' | 'status'>;

function newPaymentIntent(store: Store, fields: PaymentIntentFields): PaymentIntent {
  const id = newId('pi_');
  return store.add<PaymentIntent>({
    id,
    object: 'payment_intent',
    amount_capturable: 0,
    amount_received: 0,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${newId('', 25)}`,
    confirmation_method: 'automatic',
    created: now(),
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    next_action: null,
    payment_method_types: ['card'],
    receipt_email: null,
    ...fields,
  });
}

/** Charges the PaymentIntent's card: the charge is pending for a delayed payment, else it succeeds or is declined. */
function attemptCharge(store: Store, pi: PaymentIntent, pm: PaymentMethod, pending = false): Charge {
  const { brand, country, exp_month, exp_year, funding, last4 } = pm.card;
  const charge = store.add<Charge>({
    id: newId('ch_'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: 0,
    amount_refunded: 0,
    balance_transaction: null,
    billing_details: { ...pm.billing_details },
    captured: false,
    created: now(),
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: { ...pi.metadata },
    outcome: null,
    paid: false,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: { type: 'card', card: { brand, country, exp_month, exp_year, funding, last4 } },
    receipt_url: null,
    refunded: false,
    status: 'pending',
  });
  pi.latest_charge = charge.id;
  pi.status = 'processing';
  if (!pending) settleCharge(store, pi, !store.declines(pm.id));
  return charge;
}

/** The outcome of a PaymentIntent's latest charge, on the charge and on the PaymentIntent. */
export function settleCharge(store: Store, pi: PaymentIntent, succeeded: boolean): void {
  const charge = store.get('charge', pi.latest_charge!);
  const pm = store.get('payment_method', charge.payment_method);
  if (succeeded) {
    update(charge, { status: 'succeeded', paid: true, captured: true, amount_captured: charge.amount });
    charge.outcome = { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' };
    update(pi, { status: 'succeeded', amount_received: pi.amount });
    return;
  }
  update(charge, { status: 'failed', failure_code: DECLINE.code, failure_message: DECLINE.message });
  charge.outcome = {
    network_status: 'declined_by_network',
    reason: DECLINE.decline_code,
    risk_level: 'normal',
    seller_message: 'The bank did not return any further details with this decline.',
    type: 'issuer_declined',
  };
  // A failed attempt detaches the card from the PaymentIntent; the error keeps it.
  pi.status = 'requires_payment_method';
  pi.payment_method = null;
  pi.last_payment_error = { type: 'card_error', ...DECLINE, doc_url: docUrl(DECLINE.code), charge: charge.id, payment_method: structuredClone(pm) };
}

/**
 * `POST /v1/payment_intents`. Confirmed with a declining card it answers as Stripe does: 402
 * `card_declined` carrying the PaymentIntent (now `requires_payment_method`), after recording both.
 */
export function createPaymentIntent(store: Store, p: Params, request: EventRequest): PaymentIntent {
  const amount = p.requiredInteger('amount');
  const currency = p.currency();
  checkMinimumAmount(amount, currency, 'amount');
  const customerId = p.string('customer');
  const customer = customerId === undefined ? null : store.get('customer', customerId, 'customer');
  const pmId = p.string('payment_method');
  const pm = pmId === undefined ? null : store.get('payment_method', pmId, 'payment_method');
  const confirm = p.boolean('confirm');
  if (pm && pm.customer !== (customer?.id ?? null)) {
    throw invalidRequest(
      pm.customer
        ? `The PaymentMethod ${pm.id} is attached to Customer ${pm.customer}; pass that customer to use it.`
        : `The PaymentMethod ${pm.id} does not belong to the Customer you supplied ${customer?.id}.`,
      { param: 'payment_method' },
    );
  }
  if (p.boolean('off_session') && !confirm) throw invalidRequest('off_session can only be used when confirm=true.', { param: 'off_session' });
  if (confirm && !pm) {
    throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", { param: 'payment_method' });
  }
  const pi = newPaymentIntent(store, {
    amount,
    currency,
    customer: customer?.id ?? null,
    payment_method: pm?.id ?? null,
    metadata: mergeMetadata({}, p.metadata()),
    description: p.string('description') ?? null,
    setup_future_usage: null,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
  });
  if (!confirm || !pm) return pi;
  attemptCharge(store, pi, pm);
  if (pi.status === 'succeeded') {
    store.emit('payment_intent.succeeded', pi, request);
    return pi;
  }
  store.emit('payment_intent.payment_failed', pi, request);
  const { type, code, decline_code, doc_url, message, charge: chargeId } = pi.last_payment_error!;
  throw new StripeApiError(402, { type, code, decline_code, doc_url, message, charge: chargeId, payment_intent: structuredClone(pi), payment_method: structuredClone(pm) });
}

/** The PaymentIntent a Checkout Session's payment creates, charged (or pending) on the entered card. */
export function checkoutPayment(store: Store, fields: PaymentIntentFields, pm: PaymentMethod, delayed: boolean): PaymentIntent {
  const pi = newPaymentIntent(store, fields);
  attemptCharge(store, pi, pm, delayed);
  return pi;
}

export interface RefundInput {
  paymentIntent?: string;
  charge?: string;
  amount?: number;
  reason?: Refund['reason'];
  metadata: Metadata;
}

export function refundInput(p: Params): RefundInput {
  return {
    paymentIntent: p.string('payment_intent'),
    charge: p.string('charge'),
    amount: p.integer('amount'),
    reason: p.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const),
    metadata: mergeMetadata({}, p.metadata()),
  };
}

/** `POST /v1/refunds`: refunds part or (by default) the rest of a successful charge, then `charge.refunded`. */
export function createRefund(store: Store, input: RefundInput, request: EventRequest): Refund {
  let charge: Charge;
  if (input.paymentIntent !== undefined) {
    const pi = store.get('payment_intent', input.paymentIntent, 'payment_intent');
    const latest = pi.latest_charge ? store.get('charge', pi.latest_charge) : undefined;
    if (latest?.status !== 'succeeded') {
      throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { param: 'payment_intent' });
    }
    charge = latest;
  } else if (input.charge !== undefined) {
    charge = store.get('charge', input.charge, 'charge');
  } else {
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.');
  }
  if (charge.refunded) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  const refundable = charge.amount - charge.amount_refunded;
  const amount = input.amount ?? refundable;
  if (amount < 1) throw invalidRequest('Invalid positive integer', { code: 'parameter_invalid_integer', param: 'amount' });
  if (amount > refundable) {
    throw invalidRequest(
      `Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(refundable, charge.currency)})`,
      { code: 'amount_too_large', param: 'amount' },
    );
  }
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  const refund = store.add<Refund>({
    id: newId('re_'),
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: charge.id,
    created: now(),
    currency: charge.currency,
    metadata: input.metadata,
    payment_intent: charge.payment_intent,
    reason: input.reason ?? null,
    receipt_number: null,
    status: 'succeeded',
  });
  store.emit('charge.refunded', charge, request);
  return refund;
}
