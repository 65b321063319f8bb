import type { Queryable } from './db';

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  /** Present (true) only when `total` is the planner's estimate: more than COUNT_CAP rows matched. */
  totalIsEstimate?: true;
}

export const DEFAULT_PAGE_SIZE = 25;

export function paging(q: { page?: number; pageSize?: number }) {
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
export async function cappedCount(
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
export function pageOf<T>(items: T[], count: { total: number; estimated: boolean }, page: number, pageSize: number): Page<T> {
  return count.estimated ? { items, total: count.total, page, pageSize, totalIsEstimate: true } : { items, total: count.total, page, pageSize };
}
