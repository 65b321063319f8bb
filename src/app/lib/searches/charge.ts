import 'server-only';
import { InsufficientCreditsError } from '../credits';
import type { Queryable } from '../db';
import { config } from '../config';
import { isPgError } from '../errors';
import { MonthlyLimitError, nextMonthStart } from './limits';
import type { Plan } from './lookups';

export interface Charged {
  searchId: number;
  createdAt: Date;
  unitPrice: number;
  cost: number;
  /** The balance right after the debit; null when the look-up was free (nothing was debited). */
  balance: number | null;
}

/**
 * Charges a look-up in one statement (migration 090's `search_charge`): the price in force now,
 * the searches row (pending, or answered with `resultCount`), the user's monthly limit and the
 * debit. A refusal writes nothing and becomes the 402 that says why, with the figures read after.
 */
export async function chargeLookup(q: Queryable, who: { id: number; customerId: number }, plan: Pick<Plan, 'query' | 'type' | 'units'>, resultCount?: number): Promise<Charged> {
  try {
    const { rows } = await q.query<{ search_id: number; created_at: Date; unit_price: number; cost: number; balance: number | null }>(
      'SELECT search_id, created_at, unit_price, cost, balance FROM search_charge($1, $2, $3, $4, $5, $6, $7)',
      [who.customerId, who.id, plan.query, plan.type, plan.units, config.searchCreditCost, resultCount ?? null],
    );
    const r = rows[0]!;
    return { searchId: Number(r.search_id), createdAt: r.created_at, unitPrice: r.unit_price, cost: Number(r.cost), balance: r.balance === null ? null : Number(r.balance) };
  } catch (err) {
    if (isPgError(err, 'RTML1')) {
      const f = figures<{ limit: number; spent: number; cost: number }>(err);
      throw new MonthlyLimitError({ limit: f.limit, spent: f.spent, remaining: Math.max(0, f.limit - f.spent), resetsAt: nextMonthStart().toISOString() }, f.cost);
    }
    if (isPgError(err, 'RTIC1')) {
      const f = figures<{ balance: number; cost: number }>(err);
      throw new InsufficientCreditsError(f.balance, f.cost);
    }
    throw err;
  }
}

const figures = <T>(err: unknown): T => JSON.parse((err as { detail?: string }).detail ?? '{}') as T;
