import { invalidRequest, missingParam } from './errors';
import { mergeMetadata, type Params } from './form';
import { addCard, addCustomer } from './customers';
import { checkMinimumAmount, checkoutPayment, settleCharge } from './payments';
import { newId, NO_REQUEST, now, update, type CheckoutExtras, type Store } from './store';
import type { CardBehaviour, CheckoutSession, EventRequest, SetupIntent } from './types';

const MIN_LIFETIME = 30 * 60;
const MAX_LIFETIME = 24 * 60 * 60;

function lineItems(p: Params): { items: CheckoutExtras['lineItems']; currency: string } {
  const params = p.hashes('line_items');
  if (!params.length) throw missingParam('line_items');
  let sessionCurrency: string | undefined;
  const items = params.map((item, i) => {
    const name = `line_items[${i}]`;
    // Stripe also takes `price: price_…`; the fake keeps no catalogue of Prices.
    const priceData = item.hash('price_data');
    if (!priceData) throw missingParam(`${name}[price_data]`);
    const itemCurrency = priceData.currency();
    if ((sessionCurrency ??= itemCurrency) !== itemCurrency) {
      throw invalidRequest('All line items must use the same currency.', { param: `${name}[price_data][currency]` });
    }
    const product = priceData.hash('product_data');
    if (!product) throw missingParam(`${name}[price_data][product_data]`);
    const quantity = item.requiredInteger('quantity');
    if (quantity < 1) throw invalidRequest('Quantity must be at least 1.', { param: `${name}[quantity]` });
    return { name: product.requiredString('name'), unitAmount: priceData.requiredInteger('unit_amount'), quantity };
  });
  return { items, currency: sessionCurrency! };
}

/** `POST /v1/checkout/sessions`, in `payment` or `setup` mode. */
export function createSession(store: Store, p: Params, baseUrl: string): CheckoutSession {
  const mode = p.oneOf('mode', ['payment', 'setup', 'subscription'] as const);
  if (mode === undefined) throw missingParam('mode');
  if (mode === 'subscription') throw invalidRequest('The fake supports payment and setup mode only.', { param: 'mode' });
  const customer = p.string('customer');
  if (customer !== undefined) store.get('customer', customer, 'customer');
  const customerCreation = p.oneOf('customer_creation', ['always', 'if_required'] as const);
  if (customer !== undefined && customerCreation !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: customer, customer_creation.', { param: 'customer_creation' });
  }
  const created = now();
  const expiresAt = p.integer('expires_at') ?? created + MAX_LIFETIME;
  if (expiresAt < created + MIN_LIFETIME || expiresAt > created + MAX_LIFETIME) {
    throw invalidRequest('The `expires_at` timestamp must be between 30 minutes and 24 hours after Checkout Session creation.', { param: 'expires_at' });
  }
  for (const type of [...p.strings('payment_method_types'), ...p.strings('allowed_payment_method_types')]) {
    if (type !== 'card') throw invalidRequest(`The fake takes card payments only, not ${type}.`, { param: 'payment_method_types' });
  }

  const id = newId('cs_test_a1', 56);
  let amount: number | null = null;
  let sessionCurrency: string;
  let setupIntent: string | null = null;
  const pid = p.hash('payment_intent_data');
  const extras: CheckoutExtras = {
    lineItems: [],
    paymentIntentData: {
      metadata: mergeMetadata({}, pid?.metadata() ?? {}),
      description: pid?.string('description') ?? null,
      setupFutureUsage: pid?.oneOf('setup_future_usage', ['on_session', 'off_session'] as const) ?? null,
    },
  };
  if (mode === 'payment') {
    const items = lineItems(p);
    extras.lineItems = items.items;
    sessionCurrency = items.currency;
    amount = items.items.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
    checkMinimumAmount(amount, sessionCurrency, 'line_items');
  } else {
    if (pid) throw invalidRequest('payment_intent_data can only be used in payment mode.', { param: 'payment_intent_data' });
    sessionCurrency = p.currency();
    // In setup mode Stripe creates the SetupIntent with the session, so its id is there from the start.
    setupIntent = newId('seti_');
    store.add<SetupIntent>({
      id: setupIntent,
      object: 'setup_intent',
      cancellation_reason: null,
      client_secret: `${setupIntent}_secret_${newId('', 25)}`,
      created,
      customer: customer ?? null,
      description: null,
      last_setup_error: null,
      livemode: false,
      metadata: {},
      payment_method: null,
      payment_method_types: ['card'],
      status: 'requires_payment_method',
      usage: 'off_session',
    });
  }
  store.checkoutExtras.set(id, extras);
  return store.add<CheckoutSession>({
    id,
    object: 'checkout.session',
    amount_subtotal: amount,
    amount_total: amount,
    cancel_url: p.string('cancel_url') ?? null,
    client_reference_id: p.string('client_reference_id') ?? null,
    created,
    currency: sessionCurrency,
    customer: customer ?? null,
    customer_creation: customer === undefined ? (customerCreation ?? 'if_required') : null,
    customer_details: null,
    customer_email: p.string('customer_email') ?? null,
    expires_at: expiresAt,
    livemode: false,
    metadata: mergeMetadata({}, p.metadata()),
    mode,
    // Since API version 2022-08-01 the PaymentIntent only exists once the customer pays.
    payment_intent: null,
    payment_method_types: ['card'],
    payment_status: mode === 'payment' ? 'unpaid' : 'no_payment_required',
    setup_intent: setupIntent,
    status: 'open',
    success_url: p.string('success_url') ?? null,
    total_details: mode === 'payment' ? { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } : null,
    ui_mode: 'hosted_page',
    url: `${baseUrl}/checkout/${id}`,
  });
}

function openSession(store: Store, id: string): CheckoutSession {
  const session = store.get('checkout.session', id);
  if (session.status !== 'open') {
    throw invalidRequest(`Only Checkout Sessions with a status of "open" can be changed. This one is "${session.status}".`, { param: 'session' });
  }
  return session;
}

/** `POST /v1/checkout/sessions/{id}/expire` (the fake never expires a session by itself at `expires_at`). */
export function expireSession(store: Store, id: string, request: EventRequest): CheckoutSession {
  const session = openSession(store, id);
  update(session, { status: 'expired', url: null });
  if (session.setup_intent) update(store.get('setup_intent', session.setup_intent), { status: 'canceled', cancellation_reason: 'abandoned' });
  store.emit('checkout.session.expired', session, request);
  return session;
}

export interface CompleteOptions {
  /** A payment method whose outcome comes later (a bank debit): `payment_status` stays "unpaid". */
  async?: boolean;
  /** The card the customer enters; a declining one is refused at payment, but can be saved in setup mode. */
  card?: CardBehaviour;
}

/**
 * The customer paying on the hosted page. With `setup_future_usage` (or in setup mode) the card is
 * saved on the session's customer, a new one when `customer_creation` is "always"; without a
 * customer it stays unattached, as on Stripe. A declined payment leaves the session open and says nothing.
 */
export function completeSession(store: Store, id: string, { async = false, card = 'ok' }: CompleteOptions): CheckoutSession {
  const session = openSession(store, id);
  const { paymentIntentData } = store.checkoutExtras.get(id)!;
  if (session.mode === 'payment' && !async && card === 'declining') return session;

  const existing = session.customer ? store.get('customer', session.customer) : null;
  const details = { email: existing?.email ?? session.customer_email ?? 'customer@example.com', name: existing?.name ?? 'Test Customer' };
  const customer = existing ?? (session.customer_creation === 'always' ? addCustomer(store, details) : null);
  const saveCard = session.mode === 'setup' || paymentIntentData.setupFutureUsage !== null;
  const pm = addCard(store, saveCard ? (customer?.id ?? null) : null, card, details);
  update(session, {
    customer: customer?.id ?? null,
    customer_details: { address: null, ...details, phone: null, tax_exempt: 'none', tax_ids: [] },
    status: 'complete',
    url: null,
  });

  if (session.mode === 'setup') {
    update(store.get('setup_intent', session.setup_intent!), { status: 'succeeded', payment_method: pm.id, customer: session.customer });
  } else {
    const pi = checkoutPayment(
      store,
      {
        amount: session.amount_total!,
        currency: session.currency!,
        customer: session.customer,
        payment_method: pm.id,
        // The PaymentIntent gets payment_intent_data's metadata, not the session's.
        metadata: { ...paymentIntentData.metadata },
        description: paymentIntentData.description,
        setup_future_usage: paymentIntentData.setupFutureUsage,
        status: 'requires_confirmation',
      },
      pm,
      async,
    );
    session.payment_intent = pi.id;
    if (pi.status === 'succeeded') {
      session.payment_status = 'paid';
      // Stripe sends this one too: an app listening to both must not credit a purchase twice.
      store.emit('payment_intent.succeeded', pi, NO_REQUEST);
    }
  }
  store.emit('checkout.session.completed', session, NO_REQUEST);
  return session;
}

/** The delayed payment of a completed session succeeding or failing (`checkout.session.async_payment_*`). */
export function settleAsyncPayment(store: Store, id: string, succeeded: boolean): CheckoutSession {
  const session = store.get('checkout.session', id);
  const pi = session.payment_intent ? store.get('payment_intent', session.payment_intent) : undefined;
  if (session.status !== 'complete' || pi?.status !== 'processing') {
    throw new Error(`Checkout Session ${id} has no delayed payment waiting (status ${session.status}, payment ${pi?.status ?? 'none'}).`);
  }
  settleCharge(store, pi, succeeded);
  if (succeeded) session.payment_status = 'paid';
  store.emit(succeeded ? 'payment_intent.succeeded' : 'payment_intent.payment_failed', pi, NO_REQUEST);
  store.emit(succeeded ? 'checkout.session.async_payment_succeeded' : 'checkout.session.async_payment_failed', session, NO_REQUEST);
  return session;
}
