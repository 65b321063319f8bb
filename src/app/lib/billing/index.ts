import 'server-only';

/**
 * Payments: credit packs sold through Stripe Checkout, credited only by a verified webhook, refunds
 * that take back their own purchase's credits, receipts, and auto top-up by off-session charges.
 */
export * from './packs';
export * from './purchases';
export * from './checkout';
export * from './auto-top-up';
export * from './overview';
export * from './webhook';
export { buyingEnabled } from './stripe';

import { badRequest } from '../errors';

/** The one customer a billing read is about: a SUPER_ADMIN (any scope) must name it. */
export function oneCustomer(tenant: number | undefined): number {
  if (tenant === undefined) throw badRequest('customerId is required', { customerId: 'Name the customer (?customerId=…)' });
  return tenant;
}
