import 'server-only';
import type { Caller } from '../auth/caller';
import { getBalance } from '../credits';
import type { Queryable } from '../db';
import { monthlySpend, type MonthlySpend } from '../searches/limits';
import { priceList } from '../searches/prices';
import type { PriceList } from '@/app/shared/searches';

export interface AccountSummary {
  user: { id: number; username: string; role: Caller['role']; customerId: number | null; customerName: string | null };
  /** The customer's balance; null for platform admins, who have no customer. */
  balance: number | null;
  /** What a keyword look-up costs the caller (the first price list's one number). */
  searchCost: number;
  /** What each look-up type costs the caller's customer (platform users: the platform's list). */
  prices: PriceList;
  /** The caller's monthly spending and limit (UTC calendar month). */
  monthlyLimit: MonthlySpend;
  /** The customer's active CUSTOMER_ADMINs: whom to ask for credits. */
  customerAdmins: string[];
}

export async function accountSummary(db: Queryable, user: Caller): Promise<AccountSummary> {
  let balance: number | null = null;
  let customerAdmins: string[] = [];
  if (user.customerId !== null) {
    const [credits, admins] = await Promise.all([
      getBalance(db, user.customerId),
      db.query<{ username: string }>(
        `SELECT username FROM users WHERE customer_id = $1 AND role = 'CUSTOMER_ADMIN' AND active ORDER BY username LIMIT 5`,
        [user.customerId],
      ),
    ]);
    balance = credits.balance;
    customerAdmins = admins.rows.map((r) => r.username);
  }
  const [prices, monthly] = await Promise.all([priceList(db, user.customerId), monthlySpend(db, user.id)]);
  return {
    user: { id: user.id, username: user.username, role: user.role, customerId: user.customerId, customerName: user.customerName },
    balance,
    searchCost: prices.keyword.credits,
    prices,
    monthlyLimit: monthly,
    customerAdmins,
  };
}
