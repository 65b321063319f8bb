import type { Queryable } from './db';
import { Conditions, likePattern } from './db/sql';
import { notFound } from './errors';
import { paging, type Page } from './paging';
import type { CreateCustomerInput, CustomerListQuery, UpdateCustomerInput } from './validation/customers';

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
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const COLUMNS = `id, name, status, contact_email, max_users, logo_url, user_count, active_user_count,
  total_searches, credit_balance, total_credits_purchased, total_credits_used, created_at, updated_at`;

// Names sort case-insensitively, matching the lower(name) index.
const SORT_EXPR: Record<NonNullable<CustomerListQuery['sort']>, string> = {
  id: 'id',
  name: 'lower(name)',
  status: 'status',
  created_at: 'created_at',
  user_count: 'user_count',
  credit_balance: 'credit_balance',
  total_credits_purchased: 'total_credits_purchased',
  total_credits_used: 'total_credits_used',
  total_searches: 'total_searches',
};

/** `customerId` undefined: every customer (platform scope); a number: only that one. */
export async function listCustomers(
  db: Queryable,
  customerId: number | undefined,
  q: CustomerListQuery,
): Promise<Page<CustomerDto>> {
  const { page, pageSize, offset } = paging(q);
  const where = new Conditions().maybe('id = ?', customerId).maybe('status = ?', q.status);
  if (q.search) {
    const asId = /^\d{1,9}$/.test(q.search) ? Number(q.search) : null;
    where.add(`(name ILIKE ? OR id = ${where.param(asId)})`, likePattern(q.search));
  }
  const count = db.query<{ n: number }>(`SELECT count(*) AS n FROM customer_stats ${where.sql}`, [...where.params]);
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  const sort = SORT_EXPR[q.sort ?? 'name'];
  const items = db.query<CustomerStatsRow>(
    `SELECT ${COLUMNS} FROM customer_stats ${where.sql}
      ORDER BY ${sort} ${dir}, id ${dir} LIMIT ${where.param(pageSize)} OFFSET ${where.param(offset)}`,
    where.params,
  );
  const [rows, total] = await Promise.all([items, count]);
  return { items: rows.rows.map(toDto), total: total.rows[0]!.n, page, pageSize };
}

export async function getCustomer(db: Queryable, id: number): Promise<CustomerDto> {
  const { rows } = await db.query<CustomerStatsRow>(`SELECT ${COLUMNS} FROM customer_stats WHERE id = $1`, [id]);
  if (!rows[0]) throw notFound('Customer', `No customer with ID ${id}`);
  return toDto(rows[0]);
}

export async function createCustomer(db: Queryable, input: CreateCustomerInput): Promise<CustomerDto> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO customers (name, status, contact_email, max_users, logo_url)
     VALUES ($1, COALESCE($2, 'active'), $3, COALESCE($4, 10), $5) RETURNING id`,
    [input.name, input.status ?? null, input.contactEmail ?? null, input.maxUsers ?? null, input.logoUrl ?? null],
  );
  return getCustomer(db, rows[0]!.id);
}

const UPDATABLE = {
  name: 'name',
  status: 'status',
  contactEmail: 'contact_email',
  maxUsers: 'max_users',
  logoUrl: 'logo_url',
} as const;

export async function updateCustomer(db: Queryable, id: number, patch: UpdateCustomerInput): Promise<CustomerDto> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [field, column] of Object.entries(UPDATABLE)) {
    const value = patch[field as keyof UpdateCustomerInput];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  const { rowCount } = await db.query(`UPDATE customers SET ${sets.join(', ')} WHERE id = $1`, params);
  if (rowCount === 0) throw notFound('Customer', `No customer with ID ${id}`);
  return getCustomer(db, id);
}
