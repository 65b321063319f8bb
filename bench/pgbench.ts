import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { libpqEnv } from './pg';
import { cpuMeter } from './stats';

/**
 * Debian's pgbench, the yardstick: `-N` ("simple update": BEGIN; UPDATE pgbench_accounts;
 * SELECT; INSERT INTO pgbench_history; END) is the closest built-in to one ledger write, on the
 * same server, in the same run, at the same client count.
 */
const run = promisify(execFile);
export const PGBENCH = process.env.PGBENCH || '/usr/bin/pgbench';

export async function pgbenchInit(url: string, scale: number): Promise<number> {
  const t = Date.now();
  // Server-side data generation (G): seconds even at scale 32.
  await run(PGBENCH, ['-i', '-s', String(scale), '-I', 'dtGvp', '-q'], { env: { ...process.env, ...libpqEnv(url) } });
  return (Date.now() - t) / 1000;
}

export interface PgbenchResult {
  clients: number;
  threads: number;
  seconds: number;
  tps: number;
  latencyMs: number;
  /** Machine CPU (pgbench and PostgreSQL) per transaction, µs. */
  cpuUsPerTx: number;
  machineBusy: number;
  transactions: number;
  cpuBusySeconds: number;
}

export async function pgbenchN(url: string, clients: number, seconds: number): Promise<PgbenchResult> {
  const threads = Math.min(clients, 2);
  const cpu = cpuMeter();
  const { stdout } = await run(
    PGBENCH,
    ['-N', '-n', '-c', String(clients), '-j', String(threads), '-T', String(seconds)],
    { env: { ...process.env, ...libpqEnv(url) }, maxBuffer: 16 * 1024 * 1024 },
  );
  const tps = /tps = ([\d.]+)/.exec(stdout);
  const latency = /latency average = ([\d.]+) ms/.exec(stdout);
  const used = cpu();
  if (!tps) throw new Error(`could not read pgbench's tps:\n${stdout}`);
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? Number(tps[1]) * seconds);
  return {
    clients,
    threads,
    seconds,
    tps: Math.round(Number(tps[1])),
    latencyMs: Number(latency?.[1] ?? NaN),
    cpuUsPerTx: Math.round((used.machineBusySeconds * 1e6) / Math.max(1, processed)),
    machineBusy: used.machineBusy,
    transactions: processed,
    cpuBusySeconds: used.machineBusySeconds,
  };
}

/** One result from slices at the same client count (interleaved with the app's runs). */
export function mergePgbench(slices: PgbenchResult[]): PgbenchResult {
  const first = slices[0]!;
  const transactions = slices.reduce((a, r) => a + r.transactions, 0);
  const seconds = slices.reduce((a, r) => a + r.seconds, 0);
  const busy = slices.reduce((a, r) => a + r.cpuBusySeconds, 0);
  return {
    ...first,
    seconds,
    // tps as pgbench reports it (connection time excluded), weighted by slice length.
    tps: Math.round(slices.reduce((a, r) => a + r.tps * r.seconds, 0) / seconds),
    latencyMs: Math.round((slices.reduce((a, r) => a + r.latencyMs * r.seconds, 0) / seconds) * 1000) / 1000,
    cpuUsPerTx: Math.round((busy * 1e6) / Math.max(1, transactions)),
    machineBusy: Math.round((slices.reduce((a, r) => a + r.machineBusy * r.seconds, 0) / seconds) * 100) / 100,
    transactions,
    cpuBusySeconds: Math.round(busy * 100) / 100,
  };
}
