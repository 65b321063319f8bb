import 'server-only';
import type { Caller } from '../auth/caller';
import { config } from '../config';
import { getBalance } from '../credits';
import type { Queryable } from '../db';

export interface AccountSummary {
  user: { id: number; username: string; role: Caller['role']; customerId: number | null; customerName: string | null };
  /** The customer's balance; null for platform admins, who have no customer. */
  balance: number | null;
  searchCost: number;
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
  return {
    user: { id: user.id, username: user.username, role: user.role, customerId: user.customerId, customerName: user.customerName },
    balance,
    searchCost: config.searchCreditCost,
    customerAdmins,
  };
}
