import type { Db, Queryable } from './db';
import { Conditions } from './db/sql';
import { AppError, isPgError, notFound } from './errors';
import { idempotent, type StoredResponse } from './idempotency';
import { cappedCount, pageOf, paging, type Page } from './paging';
import type { AddCreditsInput, TransactionFilter, TransactionType } from './validation/credits';

/**
 * The credit ledger. Every balance change is one INSERT into credit_transactions; the database's
 * ledger trigger moves customer_credits in the same statement (one atomic UPDATE … RETURNING under
 * a row lock) and stamps balance_before/balance_after. Nothing here reads a balance and writes it
 * back, so concurrent changes can't lose or invent credits.
 */

export interface CreditTransaction {
  id: number;
  customerId: number;
  userId: number | null;
  type: TransactionType;
  amount: number;
  balanceBefore: number;
  balanceAfter: number;
  description: string;
  paymentId: string | null;
  createdAt: string;
}

interface TransactionRow {
  id: number;
  customer_id: number;
  user_id: number | null;
  type: TransactionType;
  amount: number;
  balance_before: number;
  balance_after: number;
  description: string;
  payment_id: string | null;
  created_at: Date;
}

const RETURNING = 'id, customer_id, user_id, type, amount, balance_before, balance_after, description, payment_id, created_at';

function toTransaction(r: TransactionRow): CreditTransaction {
  return {
    id: r.id,
    customerId: r.customer_id,
    userId: r.user_id,
    type: r.type,
    amount: r.amount,
    balanceBefore: r.balance_before,
    balanceAfter: r.balance_after,
    description: r.description,
    paymentId: r.payment_id,
    createdAt: r.created_at.toISOString(),
  };
}

export class InsufficientCreditsError extends AppError {
  constructor(
    readonly balance: number,
    readonly required: number,
  ) {
    super(
      'insufficient_credits',
      'Insufficient credits',
      `This costs ${required} credit${required === 1 ? '' : 's'} and the balance is ${balance}. Ask your administrator to add credits.`,
    );
  }
}

function assertWholePositive(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`credit amount must be a positive integer, got ${amount}`);
}

const customerMissing = (customerId: number) => notFound('Customer', `No customer with ID ${customerId}`);

export interface Credit {
  customerId: number;
  userId: number | null;
  type: Exclude<TransactionType, 'usage'>;
  amount: number;
  description: string;
  paymentId?: string | null;
}

/** Adds credits (purchase, admin grant, refund, positive adjustment). */
export async function addCredits(q: Queryable, c: Credit): Promise<CreditTransaction> {
  assertWholePositive(c.amount);
  try {
    const { rows } = await q.query<TransactionRow>(
      `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${RETURNING}`,
      [c.customerId, c.userId, c.type, c.amount, c.description, c.paymentId ?? null],
    );
    return toTransaction(rows[0]!);
  } catch (err) {
    if (isPgError(err, '23503')) throw customerMissing(c.customerId);
    // An addition can only break the account's CHECKs by refunding more than was ever used.
    if (isPgError(err, '23514')) {
      throw new AppError('conflict', 'Refund exceeds usage', `A refund of ${c.amount} is more than customer ${c.customerId} has used`);
    }
    throw err;
  }
}

export interface Debit {
  customerId: number;
  userId: number | null;
  amount: number;
  description: string;
}

/**
 * Consumes credits if, and only if, the balance covers them. The row lock (FOR UPDATE) re-checks
 * the balance against the latest committed value, so concurrent debits can never overdraw.
 */
export async function consumeCredits(q: Queryable, d: Debit): Promise<CreditTransaction> {
  assertWholePositive(d.amount);
  let rows: TransactionRow[];
  try {
    ({ rows } = await q.query<TransactionRow>(
      `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description)
       SELECT customer_id, $2, 'usage', -$3::bigint, $4
         FROM customer_credits WHERE customer_id = $1 AND balance >= $3
          FOR UPDATE
       RETURNING ${RETURNING}`,
      [d.customerId, d.userId, d.amount, d.description],
    ));
  } catch (err) {
    // Belt and braces: the balance CHECK refuses an overdraft even if the filter above were bypassed.
    if (!isPgError(err, '23514', 'customer_credits_balance_check')) throw err;
    rows = [];
  }
  if (rows[0]) return toTransaction(rows[0]);
  const balance = await getBalance(q, d.customerId);
  throw new InsufficientCreditsError(balance.balance, d.amount);
}

export interface Balance {
  customerId: number;
  balance: number;
  totalPurchased: number;
  totalUsed: number;
}

export async function getBalance(q: Queryable, customerId: number): Promise<Balance> {
  const { rows } = await q.query<{ balance: number; total_purchased: number; total_used: number }>(
    'SELECT balance, total_purchased, total_used FROM customer_credits WHERE customer_id = $1',
    [customerId],
  );
  if (!rows[0]) throw customerMissing(customerId);
  return { customerId, balance: rows[0].balance, totalPurchased: rows[0].total_purchased, totalUsed: rows[0].total_used };
}

export interface Admin {
  id: number;
  username: string;
}

/** The guide's manual admin credit addition, exactly as POST /api/admin/credits/add answers it. */
export function adminAddCredits(db: Db, admin: Admin, input: AddCreditsInput, idempotencyKey: string | null): Promise<StoredResponse> {
  return idempotent(db, { userId: admin.id, key: idempotencyKey, endpoint: 'credits.add', request: input }, async (q) => {
    const t = await addCredits(q, {
      customerId: input.customerId,
      userId: admin.id,
      type: 'admin_grant',
      amount: input.amount,
      description: `[ADMIN] ${input.description} (Added by: ${admin.username})`,
      paymentId: `MANUAL_ADMIN_${admin.id}_${Date.now()}`,
    });
    return {
      status: 200,
      body: {
        success: true,
        message: 'Credits added successfully',
        transaction: {
          id: t.id,
          customerId: t.customerId,
          amount: t.amount,
          balanceBefore: t.balanceBefore,
          balanceAfter: t.balanceAfter,
          description: t.description,
          createdAt: t.createdAt,
        },
      },
    };
  });
}

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
  const { page, pageSize, offset } = paging(f);
  const where = transactionConditions(customerId, f);
  const count = cappedCount(db, `FROM credit_transactions ct ${where.sql}`, [...where.params]);
  const dir = f.order === 'asc' ? 'ASC' : 'DESC';
  const byTime = f.from !== undefined || f.to !== undefined;
  const items = db.query<TransactionListRow>(
    `${TRANSACTION_LIST_SQL} ${where.sql}
      ORDER BY ${byTime ? `ct.created_at ${dir}, ` : ''}ct.id ${dir} LIMIT ${where.param(pageSize)} OFFSET ${where.param(offset)}`,
    where.params,
  );
  const [rows, total] = await Promise.all([items, count]);
  return pageOf(rows.rows.map(toListItem), total, page, pageSize);
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

export interface CreditSummary {
  customerId: number;
  balance: number;
  /** Lifetime sums by kind: purchased (paid), granted (admin), used, refunded, adjusted (net). */
  breakdown: { purchased: number; granted: number; used: number; refunded: number; adjusted: number };
  /** Closing balance of each day with activity in the last `days` days, oldest first. */
  history: Array<{ day: string; balance: number }>;
}

/** The customer detail page's numbers: one indexed pass over that customer's ledger rows. */
export async function creditSummary(db: Queryable, customerId: number, days = 90): Promise<CreditSummary> {
  const { balance } = await getBalance(db, customerId);
  const [sums, history] = await Promise.all([
    db.query<{ type: TransactionType; total: number }>(
      'SELECT type, sum(amount)::bigint AS total FROM credit_transactions WHERE customer_id = $1 GROUP BY type',
      [customerId],
    ),
    db.query<{ day: Date; balance: number }>(
      `SELECT DISTINCT ON (date_trunc('day', created_at)) date_trunc('day', created_at) AS day, balance_after AS balance
         FROM credit_transactions
        WHERE customer_id = $1 AND created_at >= now() - make_interval(days => $2)
        ORDER BY date_trunc('day', created_at), id DESC`,
      [customerId, days],
    ),
  ]);
  const by = Object.fromEntries(sums.rows.map((r) => [r.type, r.total])) as Partial<Record<TransactionType, number>>;
  return {
    customerId,
    balance,
    breakdown: {
      purchased: by.purchase ?? 0,
      granted: by.admin_grant ?? 0,
      used: -(by.usage ?? 0),
      refunded: by.refund ?? 0,
      adjusted: by.adjustment ?? 0,
    },
    history: history.rows.map((r) => ({ day: r.day.toISOString().slice(0, 10), balance: r.balance })),
  };
}
