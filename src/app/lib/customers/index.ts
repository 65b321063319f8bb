import 'server-only';
import { recordAudit } from '../audit';
import type { Actor } from '../auth/caller';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions, likePattern } from '../db/sql';
import { config } from '../config';
import { notFound } from '../errors';
import type { CreateCustomerInput, CustomerListQuery, UpdateCustomerInput } from './schemas';

export interface CustomerDto {
  id: number;
  name: string;
  status: 'active' | 'inactive';
  contactEmail: string | null;
  maxUsers: number;
  logoUrl: string | null;
  userCount: number;
  activeUserCount: number;
  totalSearches: number;
  creditBalance: number;
  totalCreditsPurchased: number;
  totalCreditsUsed: number;
  lowBalanceThreshold: number;
  lowBalanceThresholdIsCustom: boolean;
  createdAt: string;
  updatedAt: string;
}

interface CustomerStatsRow {
  id: number;
  name: string;
  status: 'active' | 'inactive';
  contact_email: string | null;
  max_users: number;
  logo_url: string | null;
  user_count: number;
  active_user_count: number;
  total_searches: number;
  credit_balance: number;
  total_credits_purchased: number;
  total_credits_used: number;
  low_balance_threshold: number | null;
  created_at: Date;
  updated_at: Date;
}

function toDto(r: CustomerStatsRow): CustomerDto {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    contactEmail: r.contact_email,
    maxUsers: r.max_users,
    logoUrl: r.logo_url,
    userCount: r.user_count,
    activeUserCount: r.active_user_count,
    totalSearches: r.total_searches,
    creditBalance: r.credit_balance,
    totalCreditsPurchased: r.total_credits_purchased,
    totalCreditsUsed: r.total_credits_used,
    lowBalanceThreshold: r.low_balance_threshold ?? config.lowBalanceThreshold,
    lowBalanceThresholdIsCustom: r.low_balance_threshold !== null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const COLUMNS = `id, name, status, contact_email, max_users, logo_url, user_count, active_user_count,
  total_searches, credit_balance, total_credits_purchased, total_credits_used, created_at, updated_at`;

// The threshold is the customers table's own (customer_stats keeps migration 013's columns).
const VIEW_COLUMNS = `${COLUMNS.split(',')
  .map((column) => `s.${column.trim()}`)
  .join(', ')}, (SELECT t.low_balance_threshold FROM customers t WHERE t.id = s.id) AS low_balance_threshold`;

// Each sort is served by an index on the table that owns its column (migrations 012 and 014); names
// sort case-insensitively, matching the lower(name) index. `view` is the same order on customer_stats.
const SORTS: Record<NonNullable<CustomerListQuery['sort']>, { table: 'customers' | 'customer_credits' | 'customer_counters'; key: string; view: string }> = {
  id: { table: 'customers', key: 'c.id', view: 's.id' },
  name: { table: 'customers', key: 'lower(c.name)', view: 'lower(s.name)' },
  status: { table: 'customers', key: 'c.status', view: 's.status' },
  created_at: { table: 'customers', key: 'c.created_at', view: 's.created_at' },
  user_count: { table: 'customer_counters', key: 'k.user_count', view: 's.user_count' },
  credit_balance: { table: 'customer_credits', key: 'cc.balance', view: 's.credit_balance' },
  total_credits_purchased: { table: 'customer_credits', key: 'cc.total_purchased', view: 's.total_credits_purchased' },
  total_credits_used: { table: 'customer_credits', key: 'cc.total_used', view: 's.total_credits_used' },
  total_searches: { table: 'customer_counters', key: 'k.search_count', view: 's.total_searches' },
};

/**
 * `customerId` undefined: every customer (platform scope); a number: only that one.
 *
 * Cost independent of the ledger and look-up tables (customer_stats reads maintained counters).
 * The page's ids are found first on the one table that owns the sort column, walking its index
 * (index-only where it can: deep pages skip index entries, not joined rows), and only those
 * pageSize rows are then read from customer_stats. Every customer has exactly one
 * customer_credits and one customer_counters row (created by triggers with the customer), so
 * counting and filtering customers alone gives the same rows as the view.
 */
export async function listCustomers(
  db: Queryable,
  customerId: number | undefined,
  q: CustomerListQuery,
): Promise<Page<CustomerDto>> {
  const where = new Conditions().maybe('c.id = ?', customerId).maybe('c.status = ?', q.status);
  if (q.search) {
    const asId = /^\d{1,9}$/.test(q.search) ? Number(q.search) : null;
    if (asId === null) where.add('c.name ILIKE ?', likePattern(q.search));
    else where.add(`(c.name ILIKE ? OR c.id = ${where.param(asId)})`, likePattern(q.search));
  }
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  const sort = SORTS[q.sort ?? 'name'];
  let keys: string;
  if (sort.table === 'customers') {
    keys = `SELECT c.id FROM customers c ${where.sql} ORDER BY ${sort.key} ${dir}, c.id ${dir}`;
  } else {
    const [alias, idColumn] = sort.table === 'customer_credits' ? ['cc', 'cc.customer_id'] : ['k', 'k.customer_id'];
    const join = where.sql !== '' ? `JOIN customers c ON c.id = ${idColumn}` : '';
    keys = `SELECT ${idColumn} AS id FROM ${sort.table} ${alias} ${join} ${where.sql} ORDER BY ${sort.key} ${dir}, ${idColumn} ${dir}`;
  }
  return listPage(db, q, {
    where,
    countFrom: 'FROM customers c',
    exactCount: true,
    select: (limit, offset) =>
      `SELECT ${VIEW_COLUMNS}
         FROM (${keys} LIMIT ${limit} OFFSET ${offset}) p
         JOIN customer_stats s ON s.id = p.id
        ORDER BY ${sort.view} ${dir}, s.id ${dir}`,
    map: toDto,
  });
}

export async function getCustomer(db: Queryable, id: number): Promise<CustomerDto> {
  const { rows } = await db.query<CustomerStatsRow>(`SELECT ${VIEW_COLUMNS} FROM customer_stats s WHERE s.id = $1`, [id]);
  if (!rows[0]) throw notFound('Customer', `No customer with ID ${id}`);
  return toDto(rows[0]);
}

export async function createCustomer(db: Db, actor: Actor, input: CreateCustomerInput): Promise<CustomerDto> {
  const id = await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO customers (name, status, contact_email, max_users, logo_url, low_balance_threshold)
       VALUES ($1, COALESCE($2, 'active'), $3, COALESCE($4, 10), $5, $6)
       RETURNING id, name, status, contact_email, max_users, logo_url, low_balance_threshold`,
      [input.name, input.status ?? null, input.contactEmail ?? null, input.maxUsers ?? null, input.logoUrl ?? null, input.lowBalanceThreshold ?? null],
    );
    const c = rows[0]! as { id: number } & Record<string, unknown>;
    await recordAudit(tx, {
      action: 'customer.created',
      actor,
      customerId: c.id,
      target: { type: 'customer', id: c.id },
      after: Object.fromEntries(Object.entries(UPDATABLE).map(([field, column]) => [field, c[column]])),
    });
    return c.id;
  });
  return getCustomer(db, id);
}

const UPDATABLE = {
  name: 'name',
  status: 'status',
  contactEmail: 'contact_email',
  maxUsers: 'max_users',
  logoUrl: 'logo_url',
  lowBalanceThreshold: 'low_balance_threshold',
} as const;

/** Edits a customer; the audit event holds the old and new value of each field that changed. */
export async function updateCustomer(db: Db, actor: Actor, id: number, patch: UpdateCustomerInput): Promise<CustomerDto> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [field, column] of Object.entries(UPDATABLE)) {
    const value = patch[field as keyof UpdateCustomerInput];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${Object.values(UPDATABLE).join(', ')} FROM customers WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const old = rows[0];
    if (!old) throw notFound('Customer', `No customer with ID ${id}`);
    await tx.query(`UPDATE customers SET ${sets.join(', ')} WHERE id = $1`, params);
    const changed = (Object.keys(UPDATABLE) as Array<keyof typeof UPDATABLE>).filter(
      (f) => patch[f] !== undefined && patch[f] !== old[UPDATABLE[f]],
    );
    if (changed.length === 0) return;
    await recordAudit(tx, {
      action: 'customer.updated',
      actor,
      customerId: id,
      target: { type: 'customer', id },
      before: Object.fromEntries(changed.map((f) => [f, old[UPDATABLE[f]]])),
      after: Object.fromEntries(changed.map((f) => [f, patch[f]])),
    });
  });
  return getCustomer(db, id);
}
