import 'server-only';
import type { Conditions } from './sql';
import type { Queryable } from './types';

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  /** Present (true) only when `total` is the planner's estimate: more than COUNT_CAP rows matched. */
  totalIsEstimate?: true;
}

export const DEFAULT_PAGE_SIZE = 25;

function paging(q: { page?: number; pageSize?: number }) {
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
  return { page, pageSize, offset: (page - 1) * pageSize };
}

/** Up to this many matching rows are counted exactly; beyond it a list's total is an estimate. */
export const COUNT_CAP = 10_000;

/**
 * The total of a list over a table that grows without bound (the ledger, look-ups): counted
 * exactly up to COUNT_CAP rows (a LIMITed index walk, so its cost doesn't grow with the table),
 * beyond that the planner's row estimate for the same filter (never below COUNT_CAP + 1) with
 * `estimated: true`. `fromWhere` is "FROM … WHERE …" with $n placeholders for `params`.
 */
async function cappedCount(
  db: Queryable,
  fromWhere: string,
  params: readonly unknown[],
): Promise<{ total: number; estimated: boolean }> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 ${fromWhere} LIMIT ${COUNT_CAP + 1}) capped`,
    params,
  );
  const n = Number(rows[0]!.n);
  if (n <= COUNT_CAP) return { total: n, estimated: false };
  const plan = await db.query<Record<string, unknown>>(`EXPLAIN (FORMAT JSON) SELECT 1 ${fromWhere}`, params);
  let json = Object.values(plan.rows[0] ?? {})[0];
  if (typeof json === 'string') json = JSON.parse(json);
  const estimate = Number((json as Array<{ Plan?: { 'Plan Rows'?: number } }>)?.[0]?.Plan?.['Plan Rows']);
  return { total: Math.max(COUNT_CAP + 1, Number.isFinite(estimate) ? Math.round(estimate) : 0), estimated: true };
}

/** `{ items, total, page, pageSize }`, plus `totalIsEstimate: true` only when the total is estimated. */
function pageOf<T>(items: T[], count: { total: number; estimated: boolean }, page: number, pageSize: number): Page<T> {
  return count.estimated ? { items, total: count.total, page, pageSize, totalIsEstimate: true } : { items, total: count.total, page, pageSize };
}

export interface ListSpec<R, T> {
  /** The list's filter; the page's LIMIT and OFFSET placeholders are appended to its params. */
  where: Conditions;
  /** "FROM …" the total is counted over (the filter's WHERE is appended). */
  countFrom: string;
  /** Count every match (small tables) instead of capping at COUNT_CAP. */
  exactCount?: boolean;
  /** The page's SELECT, given the placeholders of its LIMIT and OFFSET. */
  select: (limit: string, offset: string) => string;
  map: (row: R) => T;
}

/** One page of a list and its total, the two queries run together: every admin list goes through here. */
export async function listPage<R, T>(db: Queryable, q: { page?: number; pageSize?: number }, spec: ListSpec<R, T>): Promise<Page<T>> {
  const { page, pageSize, offset } = paging(q);
  const { where } = spec;
  const fromWhere = `${spec.countFrom} ${where.sql}`;
  const countParams = [...where.params];
  const count = spec.exactCount
    ? db.query<{ n: number }>(`SELECT count(*)::int AS n ${fromWhere}`, countParams).then((r) => ({ total: Number(r.rows[0]!.n), estimated: false }))
    : cappedCount(db, fromWhere, countParams);
  const sql = spec.select(where.param(pageSize), where.param(offset));
  const [rows, total] = await Promise.all([db.query<R>(sql, where.params), count]);
  return pageOf(rows.rows.map(spec.map), total, page, pageSize);
}
