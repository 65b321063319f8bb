// Customers and the cards saved on them.
import { invalidRequest } from './errors';
import { mergeMetadata, type Params } from './form';
import { newId, now, type Store } from './store';
import type { CardBehaviour, Customer, ListObject, PaymentMethod } from './types';

export function addCustomer(store: Store, fields: Partial<Pick<Customer, 'email' | 'name' | 'description' | 'phone' | 'metadata'>>): Customer {
  return store.add<Customer>({
    id: newId('cus_', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: fields.description ?? null,
    email: fields.email ?? null,
    invoice_prefix: newId('', 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    phone: fields.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  });
}

export function createCustomer(store: Store, p: Params): Customer {
  return addCustomer(store, {
    email: p.string('email'),
    name: p.string('name'),
    description: p.string('description'),
    phone: p.string('phone'),
    metadata: mergeMetadata({}, p.metadata()),
  });
}

export function updateCustomer(store: Store, id: string, p: Params): Customer {
  const customer = store.get('customer', id);
  for (const field of ['email', 'name', 'description', 'phone'] as const) {
    const value = p.string(field);
    if (value !== undefined) customer[field] = value;
  }
  customer.metadata = mergeMetadata(customer.metadata, p.metadata());
  const defaultPm = p.hash('invoice_settings')?.string('default_payment_method');
  if (defaultPm !== undefined) {
    const param = 'invoice_settings[default_payment_method]';
    if (store.get('payment_method', defaultPm, param).customer !== customer.id) {
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${defaultPm}. The payment method must be attached to the customer.`,
        { param },
      );
    }
    customer.invoice_settings.default_payment_method = defaultPm;
  }
  return customer;
}

/** A card the customer entered, attached to `customerId` when there is one to save it on. */
export function addCard(store: Store, customerId: string | null, card: CardBehaviour, billing: { email: string | null; name: string | null }): PaymentMethod {
  const pm = store.add<PaymentMethod>({
    id: newId('pm_'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: billing.email, name: billing.name, phone: null },
    card: {
      brand: 'visa',
      country: 'US',
      display_brand: 'visa',
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      fingerprint: newId('', 16),
      funding: 'credit',
      // The test cards Stripe documents for each behaviour.
      last4: card === 'ok' ? '4242' : '0341',
    },
    created: now(),
    customer: customerId,
    livemode: false,
    metadata: {},
    type: 'card',
  });
  store.setBehaviour(pm.id, card);
  return pm;
}

/** Makes the customer's saved cards start (or stop) declining; a customer without one gets a card. */
export function setCard(store: Store, customerId: string, card: CardBehaviour): PaymentMethod[] {
  const customer = store.get('customer', customerId);
  const saved = store.all('payment_method').filter((pm) => pm.customer === customer.id);
  for (const pm of saved) store.setBehaviour(pm.id, card);
  return saved.length ? saved : [addCard(store, customer.id, card, customer)];
}

export function listPaymentMethods(store: Store, customer: Customer, p: Params, url: string): ListObject<PaymentMethod> {
  const type = p.string('type');
  const limit = p.integer('limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest(`This value must be between 1 and 100 (it currently is ${limit}).`, { param: 'limit' });
  // Newest first, as Stripe lists; `starting_after` lets the client's auto-pagination stop.
  let data = store
    .all('payment_method')
    .filter((pm) => pm.customer === customer.id && (type === undefined || pm.type === type))
    .reverse();
  const after = p.string('starting_after');
  if (after !== undefined) data = data.slice(data.findIndex((pm) => pm.id === after) + 1);
  return { object: 'list', data: data.slice(0, limit), has_more: data.length > limit, url };
}
