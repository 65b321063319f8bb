import 'server-only';
import type { Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { toTransaction, type CreditTransaction, type TransactionRow } from './ledger';
import type { TransactionFilter } from './schemas';

export interface TransactionListItem extends CreditTransaction {
  customerName: string;
  username: string | null;
}

const TRANSACTION_LIST_SQL = `SELECT ct.id, ct.customer_id, ct.user_id, ct.type, ct.amount, ct.balance_before,
       ct.balance_after, ct.description, ct.payment_id, ct.created_at, c.name AS customer_name, u.username
  FROM credit_transactions ct
  JOIN customers c ON c.id = ct.customer_id
  LEFT JOIN users u ON u.id = ct.user_id`;

type TransactionListRow = TransactionRow & { customer_name: string; username: string | null };

const toListItem = (r: TransactionListRow): TransactionListItem => ({
  ...toTransaction(r),
  customerName: r.customer_name,
  username: r.username,
});

function transactionConditions(customerId: number | undefined, f: TransactionFilter): Conditions {
  const where = new Conditions()
    .maybe('ct.customer_id = ?', customerId)
    .maybe('ct.user_id = ?', f.userId)
    .maybe('ct.type = ?', f.type)
    .maybe('ct.created_at >= ?', f.from)
    // Times leave the API at millisecond precision while PostgreSQL keeps microseconds: a `to` copied
    // from a row's createdAt must still include that row.
    .maybe(`ct.created_at < ?::timestamptz + interval '1 millisecond'`, f.to);
  if (f.username) where.add('ct.user_id = (SELECT id FROM users WHERE lower(username) = lower(?))', f.username);
  if (f.source === 'manual_admin') where.add('ct.payment_id LIKE ?', 'MANUAL_ADMIN_%');
  return where;
}

/**
 * The audit trail, newest first. `customerId` undefined: all customers (platform scope).
 *
 * The page walks an index (id, or customer/user/type, or created_at) and stops after pageSize
 * rows; the total is exact up to COUNT_CAP rows and estimated beyond (cappedCount), so the cost
 * of a page doesn't grow with the ledger. With a date filter the page is ordered by created_at
 * (then id), walking the created_at index from the range's edge: ordering by id there would scan
 * every row newer than `to` before the first match. The trigger takes a row's id and time together,
 * under the customer's lock, so a customer's rows are in the same order either way; across
 * customers the two orders can differ only for rows stamped within microseconds of each other.
 */
export async function listTransactions(
  db: Queryable,
  customerId: number | undefined,
  f: TransactionFilter,
): Promise<Page<TransactionListItem>> {
  const where = transactionConditions(customerId, f);
  const dir = f.order === 'asc' ? 'ASC' : 'DESC';
  const byTime = f.from !== undefined || f.to !== undefined;
  return listPage(db, f, {
    where,
    countFrom: 'FROM credit_transactions ct',
    select: (limit, offset) =>
      `${TRANSACTION_LIST_SQL} ${where.sql}
        ORDER BY ${byTime ? `ct.created_at ${dir}, ` : ''}ct.id ${dir} LIMIT ${limit} OFFSET ${offset}`,
    map: toListItem,
  });
}

/** Every transaction matching the filter, newest first, fetched in id-keyed batches (no OFFSET scans). */
export async function* allTransactions(
  db: Queryable,
  customerId: number | undefined,
  f: TransactionFilter,
  batchSize = 1000,
): AsyncGenerator<TransactionListItem> {
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const where = transactionConditions(customerId, f).add('ct.id < ?', before);
    const { rows } = await db.query<TransactionListRow>(
      `${TRANSACTION_LIST_SQL} ${where.sql} ORDER BY ct.id DESC LIMIT ${where.param(batchSize)}`,
      where.params,
    );
    for (const row of rows) yield toListItem(row);
    if (rows.length < batchSize) return;
    before = rows[rows.length - 1]!.id;
  }
}

