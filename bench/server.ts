import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
// @ts-expect-error plain CommonJS helper shared with `npm start`
import { buildIfStale, SERVER_HEAP_MB } from '../scripts/build-if-stale.cjs';
import { ApiClient } from '../tests/support/http-client';
import { freePort, startServer, type RunningServer } from '../tests/support/server';
import { sleep } from './stats';

export { freePort };

/** The test harness's production server (tests/support/server.ts), plus its memory. */
export interface BenchServer extends RunningServer {
  /** Resident set size of the server and its child processes, in MB. */
  rssMb(): number;
}

export function ensureBuild(): void {
  buildIfStale({ log: (line: string) => console.log(`[bench] ${line}`) });
}

function childrenOf(pid: number): number[] {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return raw ? raw.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** RSS (MB) of a process tree, from /proc. */
export function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* exited */
    }
    for (const c of childrenOf(p)) visit(c);
  };
  visit(pid);
  return Math.round(kb / 1024);
}

export async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(pollMs);
  }
  throw new Error(`server did not answer ${url} in time:\n${output()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * `next start` of the production build on the benchmark's database (`env.DATABASE_URL`), with the
 * heap limit `npm start` sets unless `env.NODE_OPTIONS` says otherwise.
 */
export async function startBenchServer(env: Record<string, string> & { DATABASE_URL: string }): Promise<BenchServer> {
  const server = await startServer(
    { NEXT_TELEMETRY_DISABLED: '1', NODE_OPTIONS: `--max-old-space-size=${SERVER_HEAP_MB}`, ...env },
    { databaseUrl: env.DATABASE_URL },
  );
  return { ...server, rssMb: () => treeRssMb(server.pid) };
}

/** NextAuth's credentials flow, as the tests sign in; returns the Cookie header to send. */
export async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const client = new ApiClient(baseUrl);
  const res = await client.signIn(username, password);
  if (!client.sessionToken) throw new Error(`sign-in as ${username} failed: HTTP ${res.status}`);
  return `next-auth.session-token=${client.sessionToken}`;
}
