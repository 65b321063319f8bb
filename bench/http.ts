import { spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../tests/support/server';
import { cpuMeter, round } from './stats';

/**
 * HTTP: autocannon against the production build, each connection sending its next request when
 * the previous one is answered. Requests carry the session cookie of a signed-in user, exactly as
 * the guide's curl example does.
 */

export interface HttpResult {
  /** Which server answered: `app` (npm start, one process), `app ×2` (WEB_CONCURRENCY=2), `minimal` (bench/minimal-server.mjs). */
  server: string;
  endpoint: string;
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Machine CPU per request (server, PostgreSQL, autocannon), µs. */
  cpuUsPerRequest: number;
  machineBusy: number;
  cpuBusySeconds: number;
}

export interface HttpRun {
  baseUrl: string;
  connections: number;
  seconds: number;
  /** HttpResult.server (default `app`). */
  server?: string;
}

async function cannon(
  endpoint: string,
  run: HttpRun,
  setup: (req: autocannon.Request) => autocannon.Request,
  method: 'GET' | 'POST' = 'POST',
): Promise<HttpResult> {
  const cpu = cpuMeter();
  const result = await autocannon({
    url: `${run.baseUrl}${endpoint}`,
    connections: run.connections,
    duration: run.seconds,
    timeout: 30,
    requests: [{ method, setupRequest: setup }],
  });
  const used = cpu();
  const ok = result['2xx'];
  return {
    server: run.server ?? 'app',
    endpoint: `${method} ${endpoint}`,
    connections: run.connections,
    seconds: result.duration,
    requests: ok,
    perSecond: Math.round(ok / result.duration),
    p50Ms: round(result.latency.p50, 1),
    p99Ms: round(result.latency.p99, 1),
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUsPerRequest: Math.round((used.machineBusySeconds * 1e6) / Math.max(1, ok)),
    machineBusy: used.machineBusy,
    cpuBusySeconds: used.machineBusySeconds,
  };
}

/** The guide's manual credit addition as a SUPER_ADMIN, 1 credit to a random customer each time. */
export function creditAdditions(run: HttpRun, cookie: string, customers: number): Promise<HttpResult> {
  return cannon('/api/admin/credits/add', run, (req) => ({
    ...req,
    headers: { ...req.headers, 'content-type': 'application/json', cookie },
    body: JSON.stringify({ customerId: 2 + Math.floor(Math.random() * (customers - 1)), amount: 1, description: 'Benchmark credits' }),
  }));
}

/** Paid look-ups (fixture provider), round-robin over signed-in USERs of different customers. */
export function lookups(run: HttpRun, cookies: string[]): Promise<HttpResult> {
  let i = 0;
  const body = JSON.stringify({ query: 'blox', type: 'keyword' });
  return cannon('/api/search', run, (req) => ({
    ...req,
    headers: { ...req.headers, 'content-type': 'application/json', cookie: cookies[i++ % cookies.length]! },
    body,
  }));
}

/** The framework's floor on this machine: GET /api/health (no session, one `SELECT 1`). */
export function health(run: HttpRun): Promise<HttpResult> {
  return cannon('/api/health', run, (req) => req, 'GET');
}

/** The minimal server's credit addition: the same SQL as the app's, as the same admin. */
export function minimalAdditions(run: HttpRun, adminId: number, customers: number): Promise<HttpResult> {
  return cannon('/add', run, (req) => ({
    ...req,
    headers: { ...req.headers, 'content-type': 'application/json', 'x-user-id': String(adminId) },
    body: JSON.stringify({ customerId: 2 + Math.floor(Math.random() * (customers - 1)), amount: 1, description: 'Benchmark credits' }),
  }));
}

/** The minimal server's look-up, round-robin over the same USERs. */
export function minimalLookups(run: HttpRun, userIds: number[]): Promise<HttpResult> {
  let i = 0;
  const body = JSON.stringify({ query: 'blox', type: 'keyword' });
  return cannon('/lookup', run, (req) => ({
    ...req,
    headers: { ...req.headers, 'content-type': 'application/json', 'x-user-id': String(userIds[i++ % userIds.length]) },
    body,
  }));
}

export function minimalHealth(run: HttpRun): Promise<HttpResult> {
  return cannon('/health', run, (req) => req, 'GET');
}

/** bench/minimal-server.mjs on a free port, with a pool of `poolSize` connections. */
export async function startMinimalServer(url: string, poolSize: number): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, 'minimal-server.mjs'), String(port), url, String(poolSize)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`minimal server exited with ${code}`)));
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One result from slices (interleaved with pgbench): p50 weighted by requests, p99 the worst slice's. */
export function mergeHttp(slices: HttpResult[]): HttpResult {
  const first = slices[0]!;
  const requests = slices.reduce((a, r) => a + r.requests, 0);
  const seconds = slices.reduce((a, r) => a + r.seconds, 0);
  const busy = slices.reduce((a, r) => a + r.cpuBusySeconds, 0);
  return {
    ...first,
    seconds: round(seconds, 2),
    requests,
    perSecond: Math.round(requests / seconds),
    p50Ms: round(slices.reduce((a, r) => a + r.p50Ms * r.requests, 0) / Math.max(1, requests), 1),
    p99Ms: Math.max(...slices.map((r) => r.p99Ms)),
    non2xx: slices.reduce((a, r) => a + r.non2xx, 0),
    errors: slices.reduce((a, r) => a + r.errors, 0),
    cpuUsPerRequest: Math.round((busy * 1e6) / Math.max(1, requests)),
    machineBusy: round(slices.reduce((a, r) => a + r.machineBusy * r.seconds, 0) / seconds, 2),
    cpuBusySeconds: round(busy, 2),
  };
}
