import { addCredits, consumeCredits } from '@/app/lib/credits';
import type { Db } from '@/app/lib/db';
import { openPostgres } from '@/app/lib/db/postgres';
import { cpuMeter, percentile, round } from './stats';

/**
 * Ledger core: credit additions and debits per second through src/app/lib/credits.ts
 * (addCredits / consumeCredits, each one autocommitted statement whose trigger moves the balance;
 * a debit also draws on the customer's grants in spending order and records the allocation), by W
 * concurrent workers sharing a pg pool of W connections, for a fixed time.
 *
 * "spread": every operation picks a random customer (rows locks never meet): additions among all
 * of them, debits among GRANT_CUSTOMERS customers holding three live grants each (one promotional
 * expiring in 30 days, one paid, one promotional without expiry), so every debit walks a real
 * spending order. "hot": every operation goes to customer 1, so they queue on its customer_credits
 * row lock: the ceiling is one commit at a time, whatever the worker count.
 */

export type LedgerOp = 'add' | 'debit';
export type Spread = 'spread' | 'hot';

export interface LedgerResult {
  op: LedgerOp;
  spread: Spread;
  workers: number;
  seconds: number;
  ops: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Machine CPU (all processes: PostgreSQL, this client, anything else running) per operation, µs. */
  cpuUsPerOp: number;
  /** This client's own CPU (node-postgres, the workers) per operation, µs. */
  clientCpuUsPerOp: number;
  machineBusy: number;
  /** Raw sums, for merging slices. */
  cpuBusySeconds: number;
  clientCpuSeconds: number;
}

export const GRANT_CUSTOMERS = 10_000;

/**
 * Creates `count` customers with three grants each, through the ledger trigger (set-based SQL, a few
 * seconds), and returns the first id: customers first … first + count − 1.
 */
export async function createGrantCustomers(db: Db, count = GRANT_CUSTOMERS): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO customers (name) SELECT 'Bench grants ' || g FROM generate_series(1, $1::int) g RETURNING id`,
      [count],
    );
    const first = Math.min(...rows.map((r) => r.id));
    await tx.query(
      `INSERT INTO credit_transactions (customer_id, type, amount, description, category, expires_at, priority)
       SELECT c, t.type, 1000000, 'bench: grant ' || t.n, t.category, t.expires_at, 100
         FROM generate_series($1::int, $1::int + $2::int - 1) c
        CROSS JOIN (VALUES (1, 'admin_grant', 'promotional', now() + interval '30 days'),
                           (2, 'purchase', 'paid', NULL::timestamptz),
                           (3, 'admin_grant', 'promotional', NULL::timestamptz)) t(n, type, category, expires_at)
        ORDER BY c, t.n`,
      [first, count],
    );
    return first;
  });
}

export async function runLedger(
  db: Db,
  opts: { op: LedgerOp; spread: Spread; workers: number; seconds: number; customers: number; grantCustomers?: { first: number; count: number } },
  latencies: number[] = [],
): Promise<LedgerResult> {
  const range = opts.op === 'debit' && opts.grantCustomers ? opts.grantCustomers : { first: 1, count: opts.customers };
  const pick = () => (opts.spread === 'hot' ? 1 : range.first + Math.floor(Math.random() * range.count));
  const one = (customerId: number) =>
    opts.op === 'add'
      ? addCredits(db, { customerId, userId: null, type: 'purchase', amount: 1, description: 'bench: credit addition' })
      : consumeCredits(db, { customerId, userId: null, amount: 1, description: 'bench: debit' });
  const before = latencies.length;
  let errors = 0;
  let firstError: unknown;
  const cpu = cpuMeter();
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  await Promise.all(
    Array.from({ length: opts.workers }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await one(pick());
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = cpu();
  const ops = latencies.length - before;
  if (errors > ops / 100) throw new Error(`ledger ${opts.op}/${opts.spread}: ${errors} errors, first: ${String(firstError)}`);
  return {
    op: opts.op,
    spread: opts.spread,
    workers: opts.workers,
    seconds: round(elapsed, 2),
    ops,
    perSecond: Math.round(ops / elapsed),
    p50Ms: percentile(latencies.slice(before), 50),
    p99Ms: percentile(latencies.slice(before), 99),
    errors,
    cpuUsPerOp: Math.round((used.machineBusySeconds * 1e6) / Math.max(1, ops)),
    clientCpuUsPerOp: Math.round((used.clientSeconds * 1e6) / Math.max(1, ops)),
    machineBusy: used.machineBusy,
    cpuBusySeconds: used.machineBusySeconds,
    clientCpuSeconds: used.clientSeconds,
  };
}

/** A pool of exactly `workers` connections, as an app instance with DATABASE_POOL_SIZE = workers. */
export function ledgerDb(url: string, workers: number): Db {
  return openPostgres(url, { max: workers });
}

/** One result from slices of the same run (interleaved with pgbench), latencies pooled. */
export function mergeLedger(slices: LedgerResult[], latencies: number[]): LedgerResult {
  const first = slices[0]!;
  const ops = slices.reduce((a, r) => a + r.ops, 0);
  const seconds = slices.reduce((a, r) => a + r.seconds, 0);
  const busy = slices.reduce((a, r) => a + r.cpuBusySeconds, 0);
  const client = slices.reduce((a, r) => a + r.clientCpuSeconds, 0);
  return {
    ...first,
    seconds: round(seconds, 2),
    ops,
    perSecond: Math.round(ops / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: slices.reduce((a, r) => a + r.errors, 0),
    cpuUsPerOp: Math.round((busy * 1e6) / Math.max(1, ops)),
    clientCpuUsPerOp: Math.round((client * 1e6) / Math.max(1, ops)),
    machineBusy: round(slices.reduce((a, r) => a + r.machineBusy * r.seconds, 0) / seconds, 2),
    cpuBusySeconds: round(busy, 2),
    clientCpuSeconds: round(client, 2),
  };
}
