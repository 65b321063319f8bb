import { listTransactions } from '@/app/lib/credits';
import { listCustomers } from '@/app/lib/customers';
import type { Queryable } from '@/app/lib/db';
import { COUNT_CAP } from '@/app/lib/db/paging';
import { customerUsage, overview } from '@/app/lib/overview';
import { usageQuerySchema } from '@/app/lib/overview/schemas';
import { listSearches } from '@/app/lib/searches';
import { listUsers } from '@/app/lib/users';
import { parseOrThrow } from '@/app/lib/validation';
import { transactionFilterSchema } from '@/app/lib/credits/schemas';
import { customerListSchema } from '@/app/lib/customers/schemas';
import { searchHistorySchema } from '@/app/lib/searches/schemas';
import { userListSchema } from '@/app/lib/users/schemas';
import type { DatasetSize } from './dataset';
import { percentile } from './stats';

/**
 * Admin lists at scale: each request is timed over real HTTP against the production server
 * (p50/p95 of sequential requests, so the figure is one request's latency, not a queue), and the
 * same query is run once more through the lib function with every SELECT it sends replaced by
 * EXPLAIN (ANALYZE, BUFFERS): the plans are recorded, and any scan of credit_transactions or
 * searches (the tables that grow with use) that reads more rows than a page plus a capped count
 * (2 × COUNT_CAP) fails the plan check: a request's cost must not grow with those tables.
 */

export type ListKind = 'customers' | 'transactions' | 'users' | 'searches' | 'overview' | 'usage';

export interface ListCase {
  name: string;
  kind: ListKind;
  /** Query string of the API request (also what the lib function is called with). */
  query: string;
  /** Counts toward the "every admin list request p95 ≤ 50 ms" target. */
  target: boolean;
}

const ENDPOINT: Record<ListKind, string> = {
  customers: '/api/admin/customers',
  transactions: '/api/admin/credits/transactions',
  users: '/api/admin/users',
  searches: '/api/search/history',
  overview: '/api/admin/overview',
  // the customer is the query's `customerId`, moved into the path
  usage: '/api/admin/customers/:id/usage',
};

const iso = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();

export function listCases(size: DatasetSize): ListCase[] {
  const cases: ListCase[] = [];
  const c = (name: string, query: string) => cases.push({ name, kind: 'customers', query, target: true });
  const t = (name: string, query: string) => cases.push({ name, kind: 'transactions', query, target: true });
  const deep = Math.min(1000, Math.floor(size.customers / 25));
  c('customers: first page', '');
  c(`customers: page ${deep}`, `page=${deep}`);
  for (const sort of ['id', 'name', 'status', 'created_at', 'user_count', 'credit_balance', 'total_credits_purchased', 'total_credits_used', 'total_searches']) {
    c(`customers: sort ${sort} asc`, `sort=${sort}&order=asc`);
    c(`customers: sort ${sort} desc`, `sort=${sort}&order=desc`);
  }
  c(`customers: sort credit_balance desc, page ${deep}`, `sort=credit_balance&order=desc&page=${deep}`);
  c(`customers: sort total_searches desc, page ${deep}`, `sort=total_searches&order=desc&page=${deep}`);
  c('customers: name search "globex" (2.5% match)', 'search=globex');
  c('customers: name search "globex", sort credit_balance desc', 'search=globex&sort=credit_balance&order=desc');
  c('customers: search "4217" (name or ID)', 'search=4217');
  c('customers: status=inactive', 'status=inactive');

  const small = Math.max(2, Math.floor(size.customers / 2) + 17); // an ordinary customer (~19 rows)
  const user = 3 * (small - 1) + 2;
  t('transactions: first page', '');
  t('transactions: page 2', 'page=2');
  t('transactions: order=asc', 'order=asc');
  t('transactions: customerId (whale, 5% of rows)', 'customerId=1');
  t('transactions: customerId (ordinary)', `customerId=${small}`);
  t('transactions: userId', `userId=${user}`);
  t('transactions: username', `username=bench_${String(user).padStart(7, '0')}`);
  t('transactions: type=refund', 'type=refund');
  t('transactions: type=adjustment (no rows)', 'type=adjustment');
  t('transactions: source=manual_admin', 'source=manual_admin');
  t('transactions: from=7 days ago', `from=${encodeURIComponent(iso(7))}`);
  t('transactions: to=60 days ago', `to=${encodeURIComponent(iso(60))}`);
  t('transactions: one day, 30 days ago', `from=${encodeURIComponent(iso(31))}&to=${encodeURIComponent(iso(30))}`);
  t('transactions: customerId + type=usage', `customerId=${small}&type=usage`);

  const x = (name: string, kind: ListKind, query: string) => cases.push({ name, kind, query, target: false });
  x('users: first page', 'users', '');
  x('users: search "bench_00421"', 'users', 'search=bench_00421');
  for (const sort of ['username', 'role', 'created_at', 'last_login_at']) x(`users: sort ${sort} desc`, 'users', `sort=${sort}&order=desc`);
  x('users: one customer', 'users', `customerId=${small}`);
  x('look-ups: all customers, first page', 'searches', '');
  x('look-ups: one customer', 'searches', `customerId=${small}`);

  // The Overview (issue 13): the whole platform page, and a customer's usage chart.
  const o = (name: string, kind: ListKind, query: string) => cases.push({ name, kind, query, target: true });
  o('overview: every figure (GET /api/admin/overview)', 'overview', '');
  o('overview: customer usage, whale, 90 days', 'usage', 'customerId=1&days=90');
  o('overview: customer usage, ordinary, 365 days', 'usage', `customerId=${small}&days=365`);
  return cases;
}

export interface ListResult {
  name: string;
  path: string;
  target: boolean;
  n: number;
  p50: number;
  p95: number;
  total?: number;
  totalIsEstimate?: boolean;
  plan?: PlanSummary;
}

function requestPath(lc: ListCase): string {
  if (lc.kind !== 'usage') return `${ENDPOINT[lc.kind]}${lc.query ? `?${lc.query}` : ''}`;
  const { customerId, ...rest } = params(lc.query);
  return `${ENDPOINT.usage.replace(':id', customerId!)}?${new URLSearchParams(rest)}`;
}

export async function timeLists(baseUrl: string, cookie: string, cases: ListCase[], reps: number): Promise<ListResult[]> {
  const out: ListResult[] = [];
  for (const lc of cases) {
    const path = requestPath(lc);
    const get = async () => {
      const res = await fetch(`${baseUrl}${path}`, { headers: { cookie } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as { total?: number; totalIsEstimate?: boolean };
    };
    let last = await get();
    for (let i = 0; i < 2; i++) last = await get(); // warm-up
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      last = await get();
      times.push(performance.now() - t0);
    }
    out.push({
      name: lc.name,
      path,
      target: lc.target,
      n: reps,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      total: last.total,
      ...(last.totalIsEstimate ? { totalIsEstimate: true } : {}),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plans

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  /** Server-side execution time of the statements the request sends (ms, summed). */
  executionMs: number;
  statements: number;
  /** Every scan node: "Index Only Scan customers_name_idx (25000 rows)". */
  scans: string[];
  /**
   * Scans of credit_transactions or searches (sequential or index) that read more than
   * 2 × COUNT_CAP rows, i.e. more than a page plus a capped count: must be empty.
   */
  violations: string[];
}

const GROWING = new Set(['credit_transactions', 'searches']);

export function explaining(db: Queryable, sink: { ms: number; statements: number; scans: string[]; violations: string[] }): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]) {
      if (/^\s*(SELECT|WITH)\b/i.test(sql)) {
        const { rows } = await db.query<Record<string, unknown>>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
        let json = Object.values(rows[0]!)[0];
        if (typeof json === 'string') json = JSON.parse(json);
        const top = (json as Array<{ Plan: PlanNode; 'Execution Time': number }>)[0]!;
        sink.ms += top['Execution Time'];
        sink.statements++;
        const walk = (node: PlanNode) => {
          if (/Scan/.test(node['Node Type']) && node['Relation Name'] !== undefined) {
            const loops = node['Actual Loops'] ?? 1;
            const rowsRead = Math.round(((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * loops);
            const label = `${node['Node Type']} ${node['Index Name'] ?? node['Relation Name']} (${rowsRead} rows)`;
            sink.scans.push(label);
            if (GROWING.has(node['Relation Name']) && rowsRead > 2 * COUNT_CAP) sink.violations.push(label);
          }
          for (const child of node.Plans ?? []) walk(child);
        };
        walk(top.Plan);
      }
      return db.query<T>(sql, params);
    },
    exec: (sql: string) => db.exec(sql),
  };
}

const params = (query: string) => Object.fromEntries(new URLSearchParams(query));

/**
 * Runs each case's lib query with its SELECTs explained (platform scope, as a SUPER_ADMIN), `runs`
 * times; the plan of the last run is kept, and the median of the runs' execution times.
 */
export async function explainLists(db: Queryable, cases: ListCase[], runs = 3): Promise<Map<string, PlanSummary>> {
  const out = new Map<string, PlanSummary>();
  for (const lc of cases) {
    const times: number[] = [];
    let sink = { ms: 0, statements: 0, scans: [] as string[], violations: [] as string[] };
    for (let i = 0; i < runs; i++) {
      sink = { ms: 0, statements: 0, scans: [], violations: [] };
      const q = explaining(db, sink);
      if (lc.kind === 'customers') await listCustomers(q, undefined, parseOrThrow(customerListSchema, params(lc.query)));
      else if (lc.kind === 'transactions') {
        const f = parseOrThrow(transactionFilterSchema, params(lc.query));
        await listTransactions(q, f.customerId, f);
      } else if (lc.kind === 'users') {
        const f = parseOrThrow(userListSchema, params(lc.query));
        await listUsers(q, f.customerId, f);
      } else if (lc.kind === 'searches') {
        const f = parseOrThrow(searchHistorySchema, params(lc.query));
        await listSearches(q, f.customerId, f);
      } else if (lc.kind === 'overview') {
        await overview(q);
      } else {
        const { customerId, ...rest } = params(lc.query);
        await customerUsage(q, Number(customerId), parseOrThrow(usageQuerySchema, rest).days);
      }
      times.push(sink.ms);
    }
    const executionMs = Math.round([...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]! * 100) / 100;
    out.set(lc.name, { executionMs, statements: sink.statements, scans: sink.scans, violations: sink.violations });
  }
  return out;
}
