import 'server-only';
import { PRICE_UNITS, SEARCH_TYPES, type PriceList, type SearchType } from '@/app/shared/searches';
import { config } from '../config';
import type { Db, Queryable } from '../db';
import { notFound } from '../errors';
import type { PriceListInput } from './schemas';

/**
 * The price list: credits per look-up type (per name resolved for `usernames`). A customer's own
 * price wins over the platform's, which wins over SEARCH_CREDIT_COST. A look-up reads its price in
 * the transaction that charges it, so a change made while it runs does not touch it.
 */

interface PriceRow {
  search_type: SearchType;
  platform: number | null;
  customer: number | null;
}

function toList(rows: PriceRow[]): PriceList {
  const byType = new Map(rows.map((r) => [r.search_type, r]));
  const list = {} as PriceList;
  for (const type of SEARCH_TYPES) {
    const r = byType.get(type);
    const per = PRICE_UNITS[type];
    if (r?.customer != null) list[type] = { credits: r.customer, per, source: 'customer' };
    else if (r?.platform != null) list[type] = { credits: r.platform, per, source: 'platform' };
    else list[type] = { credits: config.searchCreditCost, per, source: 'default' };
  }
  return list;
}

/** The prices a customer pays (customerId null: the platform's list, before any override). */
export async function priceList(q: Queryable, customerId: number | null): Promise<PriceList> {
  const { rows } = await q.query<PriceRow>(
    `SELECT t.search_type, p.credits AS platform, c.credits AS customer
       FROM unnest($2::text[]) AS t(search_type)
       LEFT JOIN search_prices p ON p.search_type = t.search_type
       LEFT JOIN customer_search_prices c ON c.customer_id = $1 AND c.search_type = t.search_type`,
    [customerId, SEARCH_TYPES],
  );
  return toList(rows);
}

async function assertCustomer(q: Queryable, customerId: number): Promise<void> {
  const { rowCount } = await q.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
  if (rowCount === 0) throw notFound('Customer', `No customer with ID ${customerId}`);
}

export async function customerPriceList(q: Queryable, customerId: number): Promise<{ customerId: number; prices: PriceList }> {
  await assertCustomer(q, customerId);
  return { customerId, prices: await priceList(q, customerId) };
}

const setTypes = (input: PriceListInput) =>
  Object.entries(input.prices).filter((e): e is [SearchType, number] => e[1] !== null && e[1] !== undefined);

/** Replaces the platform's price list: the types given are set, every other one falls back to SEARCH_CREDIT_COST. */
export async function setPlatformPrices(db: Db, updatedBy: number, input: PriceListInput): Promise<{ prices: PriceList }> {
  const set = setTypes(input);
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM search_prices WHERE NOT (search_type = ANY($1::text[]))', [set.map(([t]) => t)]);
    for (const [type, credits] of set) {
      await tx.query(
        `INSERT INTO search_prices (search_type, credits, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (search_type) DO UPDATE SET credits = EXCLUDED.credits, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [type, credits, updatedBy],
      );
    }
  });
  return { prices: await priceList(db, null) };
}

/** Replaces one customer's overrides: the types given are theirs, every other one takes the platform's price. */
export async function setCustomerPrices(db: Db, updatedBy: number, customerId: number, input: PriceListInput) {
  const set = setTypes(input);
  await db.transaction(async (tx) => {
    await assertCustomer(tx, customerId);
    await tx.query('DELETE FROM customer_search_prices WHERE customer_id = $1 AND NOT (search_type = ANY($2::text[]))', [
      customerId,
      set.map(([t]) => t),
    ]);
    for (const [type, credits] of set) {
      await tx.query(
        `INSERT INTO customer_search_prices (customer_id, search_type, credits, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (customer_id, search_type) DO UPDATE SET credits = EXCLUDED.credits, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [customerId, type, credits, updatedBy],
      );
    }
  });
  return customerPriceList(db, customerId);
}
