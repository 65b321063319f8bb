import fs from 'node:fs';

/** Nearest-rank percentile of a list of numbers (ms), rounded to 0.1. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 10) / 10;
}

export const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Busy and total CPU time of the whole machine (all cores), from /proc/stat, in seconds. */
function machineCpu(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/**
 * Starts measuring CPU: the machine's busy share over the interval (1.0 = every core busy) and
 * this process's own CPU seconds (the benchmark's client side: ledger workers or autocannon).
 */
export function cpuMeter() {
  const m0 = machineCpu();
  const p0 = process.cpuUsage();
  return () => {
    const m1 = machineCpu();
    const p = process.cpuUsage(p0);
    return {
      machineBusy: round((m1.busy - m0.busy) / Math.max(1e-9, m1.total - m0.total), 2),
      machineBusySeconds: round(m1.busy - m0.busy, 2),
      clientSeconds: round((p.user + p.system) / 1e6, 2),
    };
  };
}
