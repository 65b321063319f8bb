import type { Queryable } from '@/app/lib/db';
import {
  closePlatformDays,
  customerUsage,
  platformDaily,
  platformExpiring,
  platformTotals,
  runningLow,
  topCustomers,
} from '@/app/lib/overview';
import { explaining, type PlanSummary } from './lists';
import { percentile } from './stats';

/**
 * The Overview figure by figure (issue 13: each ≤ 50 ms p95 at 100k customers and 2M
 * transactions): every domain function the page's request runs, timed on its own through a pool
 * as the server calls it (sequential calls after 2 warm-ups), then once more with its SELECTs
 * explained, for the plan and PostgreSQL's own execution time.
 */

export interface FigureResult {
  name: string;
  n: number;
  p50: number;
  p95: number;
  plan: PlanSummary;
}

export async function timeOverviewFigures(db: Queryable, reps: number, ordinaryCustomer: number): Promise<FigureResult[]> {
  const closed = await closePlatformDays(db);
  const figures: Array<[string, (q: Queryable) => Promise<unknown>]> = [
    ['sum the finished days (credit_platform_rollup, nothing new)', (q) => closePlatformDays(q)],
    ['outstanding (paid vs promotional), this month vs last', (q) => platformTotals(q, closed)],
    ['daily usage, 90 days', (q) => platformDaily(q, closed, 90)],
    ['top customers this month', (q) => topCustomers(q)],
    ['customers running low', (q) => runningLow(q)],
    ['credits expiring in 30 days', (q) => platformExpiring(q)],
    ['customer usage, whale, 90 days', (q) => customerUsage(q, 1, 90)],
    ['customer usage, ordinary, 365 days', (q) => customerUsage(q, ordinaryCustomer, 365)],
  ];
  const out: FigureResult[] = [];
  for (const [name, run] of figures) {
    for (let i = 0; i < 2; i++) await run(db);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await run(db);
      times.push(performance.now() - t0);
    }
    const sink = { ms: 0, statements: 0, scans: [] as string[], violations: [] as string[] };
    await run(explaining(db, sink));
    out.push({
      name,
      n: reps,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      plan: { executionMs: Math.round(sink.ms * 100) / 100, statements: sink.statements, scans: sink.scans, violations: sink.violations },
    });
  }
  return out;
}
