import 'server-only';
import { balanceByCategory, expiringSoon, getBalance, type ExpiringSoon } from '../credits';
import type { Queryable } from '../db';
import { billingNotices, type BillingNotice } from './audit';
import { autoTopUpSettings, type AutoTopUpSettings } from './auto-top-up';
import { buyingEnabled } from './stripe';

export interface BillingOverview {
  customerId: number;
  /** False without STRIPE_SECRET_KEY: nothing can be bought, everything else works. */
  buyingEnabled: boolean;
  balance: number;
  /** The balance by kind: unspent paid and promotional credits. */
  paid: number;
  promotional: number;
  expiringSoon: ExpiringSoon;
  autoTopUp: AutoTopUpSettings;
  /** What the customer's admins must be told: failed or switched-off top-ups, flagged payments, refunds that found credits spent. */
  alerts: BillingNotice[];
}

/** The billing page's numbers for one customer. */
export async function billingOverview(db: Queryable, customerId: number): Promise<BillingOverview> {
  const [balance, kinds, soon, autoTopUp, alerts] = await Promise.all([
    getBalance(db, customerId),
    balanceByCategory(db, customerId),
    expiringSoon(db, customerId),
    autoTopUpSettings(db, customerId),
    billingNotices(db, customerId),
  ]);
  return {
    customerId,
    buyingEnabled: buyingEnabled(),
    balance: balance.balance,
    paid: kinds.paid,
    promotional: kinds.promotional,
    expiringSoon: soon,
    autoTopUp,
    alerts,
  };
}
