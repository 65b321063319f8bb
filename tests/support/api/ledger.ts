/** Ledger snapshots and bounded concurrency, for the hostile-input / injection / secrets suites. */
import type { ApiClient } from './clients';

/** A customer's balance, lifetime totals and audit-trail length, read through the admin API. */
export interface LedgerSnapshot {
  balance: number;
  purchased: number;
  used: number;
  transactions: number;
}

export async function ledgerSnapshot(admin: ApiClient, customerId: number): Promise<LedgerSnapshot> {
  const [{ customer }, page] = await Promise.all([
    admin.expectJson(admin.get(`/api/admin/customers/${customerId}`), 200),
    admin.expectJson(admin.get(`/api/admin/credits/transactions?customerId=${customerId}&pageSize=1`), 200),
  ]);
  return {
    balance: customer.creditBalance,
    purchased: customer.totalCreditsPurchased,
    used: customer.totalCreditsUsed,
    transactions: page.total,
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results come back in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

