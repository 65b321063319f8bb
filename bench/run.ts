/**
 * `npm run bench` — the performance benchmark (docs/PERFORMANCE.md). Not part of `npm test`.
 *
 *   npm run bench              full run: growth point (10× smaller data set) and the full data set
 *                              (100k customers, 300k users, 2M transactions, 1M searches);
 *                              writes bench/results.json
 *   npm run bench -- --quick   small data set (10k customers…) and short runs, < 2 minutes;
 *                              writes bench/results.quick.json (what CI runs)
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names a local PostgreSQL
 * server: the benchmark creates a database of its own there and drops it at the end. Every ratio
 * is against Debian's `pgbench -N` run on the same server, in the same run, at the same client
 * count, so the figures compare across machines even though the absolute numbers don't.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '@/app/lib/auth/password';
import { addCredits } from '@/app/lib/credits';
import { migrate } from '@/app/lib/db/migrate';
import { openPostgres } from '@/app/lib/db/postgres';
import { buildDataset, DATASET_PASSWORD, datasetSize, datasetUsername, verifyDataset, type DatasetSize } from './dataset';
import { runEmbedded, type EmbeddedResult } from './embedded';
import { creditAdditions, health, lookups, mergeHttp, minimalAdditions, minimalHealth, minimalLookups, startMinimalServer, type HttpResult } from './http';
import { createGrantCustomers, GRANT_CUSTOMERS, ledgerDb, mergeLedger, runLedger, type LedgerResult } from './ledger';
import { explainLists, listCases, timeLists, type ListResult } from './lists';
import { timeOverviewFigures, type FigureResult } from './overview';
import { runLookupCache, type CacheScenario } from './lookup-cache';
import { adminQuery, BENCH_DATABASE_URL, connect, createBenchDatabase } from './pg';
import { mergePgbench, PGBENCH, pgbenchInit, pgbenchN, type PgbenchResult } from './pgbench';
import { signIn, startBenchServer, ensureBuild, type BenchServer } from './server';
import { round, sleep } from './stats';
// @ts-expect-error plain CommonJS helper shared with `npm start`
import { SERVER_HEAP_MB } from '../scripts/build-if-stale.cjs';

const quick = process.argv.includes('--quick');
const MODE = quick
  ? { name: 'quick', scale: 0.1, growthScale: null, rounds: 1, sliceSeconds: 2, httpSliceSeconds: 3, listReps: 10, embeddedSeconds: 2, embeddedStarts: 1 }
  : { name: 'full', scale: 1, growthScale: 0.1, rounds: 5, sliceSeconds: 2, httpSliceSeconds: 3, listReps: 40, embeddedSeconds: 5, embeddedStarts: 3 };
const WORKERS = [1, 8, 32];
const CONNECTIONS = [8, 32];
const OUT = path.join(__dirname, quick ? 'results.quick.json' : 'results.json');

const log = (line: string) => console.log(`[bench] ${line}`);
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : NaN);

/**
 * USERs of active customers (their look-up accounts in the data set), signed in; their customers
 * get a large top-up first so that no look-up run, however fast the machine, meets a 402.
 */
async function signInLookupUsers(server: BenchServer, url: string, n: number): Promise<{ cookies: string[]; usernames: string[] }> {
  const cookies: string[] = [];
  const usernames: string[] = [];
  const db = openPostgres(url, { max: 1 });
  try {
    for (let c = 101; cookies.length < n; c++) {
      const userNo = 3 * (c - 1) + 2;
      if (c % 10 === 0 || userNo % 29 === 0) continue; // inactive customer or user in the data set
      await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 1_000_000, description: 'bench: look-up credits' });
      cookies.push(await signIn(server.baseUrl, datasetUsername(userNo), DATASET_PASSWORD));
      usernames.push(datasetUsername(userNo));
    }
  } finally {
    await db.close();
  }
  return { cookies, usernames };
}

interface ListsRun {
  size: DatasetSize;
  buildSeconds: number;
  lists: ListResult[];
}

/** A database with the data set, the server on it, the lists timed and explained. */
async function listsOn(url: string, server: BenchServer, adminCookie: string, size: DatasetSize): Promise<ListResult[]> {
  const cases = listCases(size);
  log(`admin lists: ${cases.length} requests × ${MODE.listReps} (+2 warm-up), sequential`);
  const timed = await timeLists(server.baseUrl, adminCookie, cases, MODE.listReps);
  const db = openPostgres(url, { max: 2 });
  try {
    const plans = await explainLists(db, cases);
    return timed.map((r) => ({ ...r, plan: plans.get(r.name) }));
  } finally {
    await db.close();
  }
}

async function prepareDatabase(label: string, size: DatasetSize, passwordHash: string) {
  const bdb = await createBenchDatabase(label);
  try {
    const db = openPostgres(bdb.url, { max: 2 });
    await migrate(db);
    await db.close();
    log(`data set ${size.customers} customers, ${size.users} users, ${size.transactions} transactions, ${size.searches} searches (${bdb.name})`);
    const conn = await connect(bdb.url);
    let buildSeconds: number;
    let verifySeconds: number;
    try {
      buildSeconds = round(await buildDataset(conn, size, passwordHash, log), 1);
      const t = Date.now();
      await verifyDataset(conn);
      verifySeconds = round((Date.now() - t) / 1000, 1);
    } finally {
      await conn.end();
    }
    log(`data set built in ${buildSeconds} s (ledger invariants verified in ${verifySeconds} s)`);
    return { bdb, buildSeconds, verifySeconds };
  } catch (err) {
    await bdb.drop();
    throw err;
  }
}

function machine() {
  const tool = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    pgbench: tool(PGBENCH, ['--version']),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

function pad(s: string | number, n: number, right = false) {
  const t = String(s);
  return right ? t.padStart(n) : t.padEnd(n);
}

/** The HTTP path's cost as ratios (issue 15): each against the floor, the yardstick, pgbench and one process. */
function httpRatios(runs: HttpResult[], pgbench: PgbenchResult[]) {
  const at = (server: string, endpoint: string, c: number) => runs.find((h) => h.server === server && h.endpoint === endpoint && h.connections === c)?.perSecond ?? NaN;
  const ADD = 'POST /api/admin/credits/add';
  const LOOK = 'POST /api/search';
  const HEALTH = 'GET /api/health';
  const rows: Array<[string, (c: number) => number]> = [
    ['credit additions ÷ GET /api/health (same server)', (c) => ratio(at('app', ADD, c), at('app', HEALTH, c))],
    ['look-ups ÷ GET /api/health (same server)', (c) => ratio(at('app', LOOK, c), at('app', HEALTH, c))],
    ['credit additions ÷ minimal node:http + pg, same SQL', (c) => ratio(at('app', ADD, c), at('minimal', 'POST /add', c))],
    ['look-ups ÷ minimal node:http + pg, same SQL', (c) => ratio(at('app', LOOK, c), at('minimal', 'POST /lookup', c))],
    ['GET /api/health ÷ minimal GET /health', (c) => ratio(at('app', HEALTH, c), at('minimal', 'GET /health', c))],
    ['credit additions ÷ pgbench -N', (c) => ratio(at('app', ADD, c), pgbench.find((p) => p.clients === c)?.tps ?? NaN)],
    ['look-ups ÷ pgbench -N', (c) => ratio(at('app', LOOK, c), pgbench.find((p) => p.clients === c)?.tps ?? NaN)],
    ['credit additions, WEB_CONCURRENCY=2 ÷ one process', (c) => ratio(at('app ×2', ADD, c), at('app', ADD, c))],
    ['look-ups, WEB_CONCURRENCY=2 ÷ one process', (c) => ratio(at('app ×2', LOOK, c), at('app', LOOK, c))],
    ['GET /api/health, WEB_CONCURRENCY=2 ÷ one process', (c) => ratio(at('app ×2', HEALTH, c), at('app', HEALTH, c))],
  ];
  return rows.map(([name, f]) => ({ name, values: CONNECTIONS.map((connections) => ({ connections, value: f(connections) })) }));
}

function printTable(r: Results) {
  const lines: string[] = [];
  lines.push('', `roblox-tool benchmark — ${r.mode} — ${r.date} — ${r.machine.cpus} × ${r.machine.cpuModel}`, '');
  lines.push('Ledger core (credits.ts, ops/s) vs pgbench -N (tps)');
  lines.push(`${pad('workers', 8)}${pad('pgbench', 9, true)}  ${pad('add spread', 18, true)}${pad('debit spread', 18, true)}${pad('add hot', 18, true)}${pad('debit hot', 18, true)}`);
  for (const w of WORKERS) {
    const pgb = r.ledger.pgbench.find((p) => p.clients === w)!;
    const cell = (op: string, spread: string) => {
      const x = r.ledger.runs.find((l) => l.workers === w && l.op === op && l.spread === spread)!;
      return pad(`${x.perSecond} (${ratio(x.perSecond, pgb.tps).toFixed(2)}×)`, 18, true);
    };
    lines.push(`${pad(w, 8)}${pad(pgb.tps, 9, true)}  ${cell('add', 'spread')}${cell('debit', 'spread')}${cell('add', 'hot')}${cell('debit', 'hot')}`);
  }
  lines.push('', 'HTTP (autocannon, production build; app = npm start, app ×2 = WEB_CONCURRENCY=2, minimal = node:http + pg, same SQL)');
  lines.push(`${pad('server', 9)}${pad('endpoint', 28)}${pad('conns', 6, true)}${pad('req/s', 8, true)}${pad('p50 ms', 8, true)}${pad('p99 ms', 8, true)}${pad('pgbench', 9, true)}${pad('ratio', 7, true)}`);
  for (const h of r.http.runs) {
    const pgb = r.http.pgbench.find((p) => p.clients === h.connections)!;
    lines.push(
      `${pad(h.server, 9)}${pad(h.endpoint, 28)}${pad(h.connections, 6, true)}${pad(h.perSecond, 8, true)}${pad(h.p50Ms, 8, true)}${pad(h.p99Ms, 8, true)}${pad(pgb.tps, 9, true)}${pad(ratio(h.perSecond, pgb.tps).toFixed(2), 7, true)}`,
    );
  }
  const listTable = (title: string, lists: ListResult[]) => {
    lines.push('', title);
    lines.push(`${pad('request', 62)}${pad('p50 ms', 8, true)}${pad('p95 ms', 8, true)}${pad('db ms', 8, true)}  plan`);
    for (const l of lists) {
      const bounded = l.plan?.scans.some((x) => /^Seq Scan (credit_transactions|searches)/.test(x));
      const plan = l.plan ? (l.plan.violations.length ? `UNBOUNDED: ${l.plan.violations.join(', ')}` : bounded ? 'index-driven + capped count' : 'index-driven') : '';
      lines.push(`${pad(l.name, 62)}${pad(l.p50, 8, true)}${pad(l.p95, 8, true)}${pad(l.plan?.executionMs ?? '', 8, true)}  ${plan}`);
    }
  };
  if (r.growth) listTable(`Admin lists at the 10× smaller data set (${r.growth.size.customers} customers, ${r.growth.size.transactions} transactions)`, r.growth.lists);
  listTable(`Admin lists (${r.dataset.size.customers} customers, ${r.dataset.size.transactions} transactions)`, r.lists);
  lines.push('', `Overview figures (lib functions, ${r.dataset.size.customers} customers, ${r.dataset.size.transactions} transactions)`);
  lines.push(`${pad('figure', 62)}${pad('p50 ms', 8, true)}${pad('p95 ms', 8, true)}${pad('db ms', 8, true)}`);
  for (const f of r.overview) lines.push(`${pad(f.name, 62)}${pad(f.p50, 8, true)}${pad(f.p95, 8, true)}${pad(f.plan.executionMs, 8, true)}`);
  lines.push('', `Embedded: npm start on a fresh PGlite directory → first page in ${r.embedded.startSeconds} s (median of ${r.embedded.starts.join(', ')}); ${r.embedded.additionsPerSecond} additions/s on PGlite`);
  lines.push(`Memory (server as npm start runs it, --max-old-space-size=${SERVER_HEAP_MB}): RSS ${r.memory.restMb} MB at rest, ${r.memory.afterHttpMb} MB after the HTTP runs (${r.memory.settledMb} MB 10 s later)`);
  if (r.memory.withoutHeapLimit) {
    const h = r.memory.withoutHeapLimit;
    lines.push(`        without the heap limit (Node's defaults): ${h.restMb} MB at rest, ${h.afterHttpMb} MB after the same load (${h.runs.map((x) => `${x.endpoint.split(' ')[1]} ×${x.connections} ${x.perSecond}/s`).join(', ')})`);
  }
  lines.push('', 'Shared look-up cache (two instances, fake Roblox)');
  lines.push(`${pad('scenario', 44)}${pad('store', 10)}${pad('cache', 7, true)}${pad('Roblox', 8, true)}${pad('Roblox req', 12, true)}${pad('look-ups/s', 12, true)}${pad('p99 ms', 8, true)}`);
  for (const c of r.lookupCache) {
    lines.push(`${pad(c.name, 44)}${pad(c.store, 10)}${pad(c.fromCache, 7, true)}${pad(c.fromUpstream, 8, true)}${pad(c.upstreamRequests, 12, true)}${pad(c.perSecond, 12, true)}${pad(c.p99Ms, 8, true)}`);
  }
  lines.push(`Data set built in ${r.dataset.buildSeconds} s${r.growth ? ` (10× smaller: ${r.growth.buildSeconds} s)` : ''}`, '', 'Targets');
  for (const t of r.targets) lines.push(`  ${t.met ? 'met    ' : 'MISSED '} ${t.name}: ${t.value} (target ${t.limit})`);
  lines.push('', `Run took ${r.durationSeconds} s; results in ${path.relative(process.cwd(), OUT)}`, '');
  console.log(lines.join('\n'));
}

interface Results {
  mode: string;
  date: string;
  command: string;
  machine: ReturnType<typeof machine>;
  postgres: { version: string; settings: Record<string, string> };
  dataset: { size: DatasetSize; buildSeconds: number; verifySeconds: number; pgbenchScale: number; pgbenchInitSeconds: number };
  growth?: ListsRun;
  lists: ListResult[];
  /** The Overview's figures one by one, through the lib functions (bench/overview.ts). */
  overview: FigureResult[];
  ledger: { seconds: number; slices: number; pgbench: PgbenchResult[]; runs: LedgerResult[] };
  http: { seconds: number; slices: number; pgbench: PgbenchResult[]; runs: HttpResult[] };
  httpRatios: ReturnType<typeof httpRatios>;
  memory: {
    restMb: number;
    afterHttpMb: number;
    settledMb: number;
    withoutHeapLimit?: { nodeOptions: string; restMb: number; afterHttpMb: number; runs: Array<{ endpoint: string; connections: number; perSecond: number }> };
  };
  embedded: EmbeddedResult;
  lookupCache: CacheScenario[];
  targets: Array<{ name: string; value: number | string; limit: string; met: boolean }>;
  durationSeconds: number;
}

async function main() {
  const started = Date.now();
  const mach = machine();
  ensureBuild();
  log(`mode ${MODE.name}; PostgreSQL at ${new URL(BENCH_DATABASE_URL).host}`);
  const [pgVersion] = await adminQuery<{ v: string }>('SELECT version() AS v');
  const settings = Object.fromEntries(
    (
      await adminQuery<{ name: string; setting: string; unit: string | null }>(
        `SELECT name, setting, unit FROM pg_settings
          WHERE name IN ('shared_buffers', 'work_mem', 'max_connections', 'synchronous_commit', 'fsync', 'wal_level', 'max_wal_size', 'random_page_cost')`,
      )
    ).map((s) => [s.name, s.unit ? `${s.setting} ${s.unit}` : s.setting]),
  );
  const passwordHash = await hashPassword(DATASET_PASSWORD);
  const serverEnv = (url: string) => ({ DATABASE_URL: url, ROBLOX_PROVIDER: 'fixture' });

  // 1. Growth point (full mode): the lists on the 10× smaller data set.
  let growth: ListsRun | undefined;
  if (MODE.growthScale) {
    const size = datasetSize(MODE.growthScale);
    const { bdb, buildSeconds } = await prepareDatabase('growth', size, passwordHash);
    try {
      const server = await startBenchServer(serverEnv(bdb.url));
      try {
        const cookie = await signIn(server.baseUrl, server.adminUsername, server.adminPassword);
        growth = { size, buildSeconds, lists: await listsOn(bdb.url, server, cookie, size) };
      } finally {
        await server.stop();
      }
    } finally {
      await bdb.drop();
    }
  }

  // 2. The data set of this mode: lists, ledger core, HTTP, memory.
  const size = datasetSize(MODE.scale);
  const { bdb, buildSeconds, verifySeconds } = await prepareDatabase(MODE.name, size, passwordHash);
  let partial: Omit<Results, 'httpRatios' | 'embedded' | 'lookupCache' | 'targets' | 'durationSeconds' | 'machine' | 'mode' | 'date' | 'command' | 'postgres' | 'growth'>;
  try {
    const pgbenchScale = Math.max(...WORKERS);
    const pgbenchInitSeconds = round(await pgbenchInit(bdb.url, pgbenchScale), 1);
    log(`pgbench -i -s ${pgbenchScale}: ${pgbenchInitSeconds} s`);

    const server = await startBenchServer(serverEnv(bdb.url));
    let lists: ListResult[];
    let overviewFigures: FigureResult[];
    const httpRuns: HttpResult[] = [];
    const httpPgbench: PgbenchResult[] = [];
    let restMb: number;
    let afterHttpMb: number;
    let settledMb: number;
    const ledgerRuns: LedgerResult[] = [];
    const ledgerPgbench: PgbenchResult[] = [];
    try {
      const adminCookie = await signIn(server.baseUrl, server.adminUsername, server.adminPassword);
      restMb = server.rssMb();
      log(`server up, RSS at rest ${restMb} MB`);
      lists = await listsOn(bdb.url, server, adminCookie, size);
      const figuresDb = openPostgres(bdb.url, { max: 4 });
      try {
        overviewFigures = await timeOverviewFigures(figuresDb, MODE.listReps, Math.max(2, Math.floor(size.customers / 2) + 17));
      } finally {
        await figuresDb.close();
      }
      log(`overview figures: ${overviewFigures.map((f) => `${f.name} p95 ${f.p95} ms`).join('; ')}`);

      // Ledger core, next to pgbench at each client count, interleaved in short slices (pgbench,
      // then each of ours, repeated) so that background load on the machine hits both alike.
      // Spread debits go to customers holding three grants each.
      const setupDb = ledgerDb(bdb.url, 1);
      const t0 = Date.now();
      const grantCustomers = { first: await createGrantCustomers(setupDb, GRANT_CUSTOMERS), count: GRANT_CUSTOMERS };
      await setupDb.exec('VACUUM ANALYZE customers, customer_credits, credit_grants, credit_transactions');
      await setupDb.close();
      log(`${GRANT_CUSTOMERS} customers with three grants each: ${round((Date.now() - t0) / 1000, 1)} s`);
      for (const workers of WORKERS) {
        const db = ledgerDb(bdb.url, workers);
        const kinds = (['spread', 'hot'] as const).flatMap((spread) => (['add', 'debit'] as const).map((op) => ({ op, spread })));
        const pgSlices: PgbenchResult[] = [];
        const slices = kinds.map(() => [] as LedgerResult[]);
        const latencies = kinds.map(() => [] as number[]);
        try {
          for (let round = 0; round < MODE.rounds; round++) {
            pgSlices.push(await pgbenchN(bdb.url, workers, MODE.sliceSeconds));
            for (const [i, k] of kinds.entries()) {
              slices[i]!.push(await runLedger(db, { ...k, workers, seconds: MODE.sliceSeconds, customers: size.customers, grantCustomers }, latencies[i]));
            }
          }
        } finally {
          await db.close();
        }
        const pgb = mergePgbench(pgSlices);
        ledgerPgbench.push(pgb);
        log(`pgbench -N -c ${workers}: ${pgb.tps} tps`);
        for (const [i, k] of kinds.entries()) {
          const r = mergeLedger(slices[i]!, latencies[i]!);
          ledgerRuns.push(r);
          log(`ledger ${k.op} ${k.spread} × ${workers}: ${r.perSecond}/s (${ratio(r.perSecond, pgb.tps)}× pgbench)`);
        }
      }

      // HTTP, on three servers over the same database, each request type interleaved with the others
      // and with pgbench in short slices: the app as `npm start` runs it (one process), the app with
      // WEB_CONCURRENCY=2, and bench/minimal-server.mjs (node:http + pg, the same SQL, nothing else).
      const lookup = await signInLookupUsers(server, bdb.url, 16);
      // The same bootstrap password: another one would be a password change, which ends the admin's
      // sessions, the single server's among them (every addition there a 401).
      const cluster = await startBenchServer({ ...serverEnv(bdb.url), WEB_CONCURRENCY: '2', ADMIN_PASSWORD: server.adminPassword });
      const minimal = await startMinimalServer(bdb.url, 10);
      try {
        const clusterAdmin = await signIn(cluster.baseUrl, cluster.adminUsername, server.adminPassword);
        const clusterUsers = await Promise.all(lookup.usernames.map((u) => signIn(cluster.baseUrl, u, DATASET_PASSWORD)));
        const conn = await connect(bdb.url);
        const ids = await conn
          .query<{ id: number; username: string }>('SELECT id, username FROM users WHERE username = ANY($1)', [[server.adminUsername, ...lookup.usernames]])
          .finally(() => conn.end());
        const idOf = (u: string) => Number(ids.rows.find((r) => r.username === u)!.id);
        const adminId = idOf(server.adminUsername);
        const userIds = lookup.usernames.map(idOf);
        for (const connections of CONNECTIONS) {
          const on = (baseUrl: string, label: string) => ({ baseUrl, connections, seconds: MODE.httpSliceSeconds, server: label });
          const app = on(server.baseUrl, 'app');
          const two = on(cluster.baseUrl, 'app ×2');
          const min = on(minimal.baseUrl, 'minimal');
          const kinds: Array<() => Promise<HttpResult>> = [
            () => creditAdditions(app, adminCookie, size.customers),
            () => lookups(app, lookup.cookies),
            () => health(app),
            () => minimalAdditions(min, adminId, size.customers),
            () => minimalLookups(min, userIds),
            () => minimalHealth(min),
            () => creditAdditions(two, clusterAdmin, size.customers),
            () => lookups(two, clusterUsers),
            () => health(two),
          ];
          const pgSlices: PgbenchResult[] = [];
          const slices = kinds.map(() => [] as HttpResult[]);
          for (let round = 0; round < MODE.rounds; round++) {
            pgSlices.push(await pgbenchN(bdb.url, connections, MODE.sliceSeconds));
            for (const [i, k] of kinds.entries()) slices[i]!.push(await k());
          }
          const pgb = mergePgbench(pgSlices);
          httpPgbench.push(pgb);
          log(`pgbench -N -c ${connections}: ${pgb.tps} tps`);
          for (const h of slices.map(mergeHttp)) {
            httpRuns.push(h);
            log(`HTTP ${h.server} ${h.endpoint} × ${connections}: ${h.perSecond} req/s, p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms (${h.non2xx} non-2xx; ${ratio(h.perSecond, pgb.tps)}× pgbench)`);
          }
        }
      } finally {
        await minimal.stop();
        await cluster.stop();
      }
      afterHttpMb = server.rssMb();
      await sleep(10_000);
      settledMb = server.rssMb();
      log(`server RSS after the HTTP runs: ${afterHttpMb} MB (${settledMb} MB after 10 s idle)`);
      if (httpRuns.some((h) => h.non2xx > 0 || h.errors > 0)) {
        throw new Error(`HTTP runs had failures:\n${JSON.stringify(httpRuns, null, 2)}\n${server.output().slice(-3000)}`);
      }
    } finally {
      await server.stop();
    }
    // Full mode: the same HTTP load once more on a server WITHOUT the heap limit `npm start` sets
    // (a plain `next start`): V8 then sizes the heap from the machine's memory (several GB here)
    // and lets it grow lazily, so RSS ends higher. For comparison only; the target is npm start's.
    let capped: Results['memory']['withoutHeapLimit'];
    if (!quick) {
      const nodeOptions = ''; // Node's defaults
      const server2 = await startBenchServer({ ...serverEnv(bdb.url), NODE_OPTIONS: nodeOptions });
      try {
        const adminCookie = await signIn(server2.baseUrl, server2.adminUsername, server2.adminPassword);
        const userCookies = (await signInLookupUsers(server2, bdb.url, 16)).cookies;
        const restMb = server2.rssMb();
        const runs: HttpResult[] = [];
        for (const connections of CONNECTIONS) {
          const run = { baseUrl: server2.baseUrl, connections, seconds: MODE.httpSliceSeconds };
          runs.push(await creditAdditions(run, adminCookie, size.customers), await lookups(run, userCookies), await health(run));
        }
        capped = { nodeOptions, restMb, afterHttpMb: server2.rssMb(), runs: runs.map((r) => ({ endpoint: r.endpoint, connections: r.connections, perSecond: r.perSecond })) };
        log(`with NODE_OPTIONS=${nodeOptions}: RSS ${capped.restMb} MB at rest, ${capped.afterHttpMb} MB after the same HTTP load`);
      } finally {
        await server2.stop();
      }
    }
    partial = {
      dataset: { size, buildSeconds, verifySeconds, pgbenchScale, pgbenchInitSeconds },
      lists,
      overview: overviewFigures,
      ledger: { seconds: MODE.rounds * MODE.sliceSeconds, slices: MODE.rounds, pgbench: ledgerPgbench, runs: ledgerRuns },
      http: { seconds: MODE.rounds * MODE.httpSliceSeconds, slices: MODE.rounds, pgbench: httpPgbench, runs: httpRuns },
      memory: { restMb, afterHttpMb, settledMb, ...(capped ? { withoutHeapLimit: capped } : {}) },
    };
  } finally {
    await bdb.drop();
  }

  // 3. Embedded.
  // The shared look-up cache: two instances, the fake Roblox, 1,000 look-ups (database store; Redis too with BENCH_REDIS_URL).
  const lookupCache: CacheScenario[] = [];
  for (const redisUrl of [undefined, ...(process.env.BENCH_REDIS_URL ? [process.env.BENCH_REDIS_URL] : [])]) {
    lookupCache.push(...(await runLookupCache({ lookups: 1_000, concurrency: quick ? 32 : 64, redisUrl, log })));
  }

  log('embedded: npm start on a fresh PGlite directory');
  const embedded = await runEmbedded({ seconds: MODE.embeddedSeconds, starts: MODE.embeddedStarts });
  log(`embedded: first page after ${embedded.startSeconds} s; ${embedded.additionsPerSecond} additions/s`);

  const at8 = (op: string) => {
    const r = partial.ledger.runs.find((l) => l.workers === 8 && l.op === op && l.spread === 'spread')!;
    return ratio(r.perSecond, partial.ledger.pgbench.find((p) => p.clients === 8)!.tps);
  };
  const ratios = httpRatios(partial.http.runs, partial.http.pgbench);
  const best = (name: string) => Math.max(...ratios.find((x) => x.name === name)!.values.map((v) => v.value));
  const worst = (name: string) => Math.min(...ratios.find((x) => x.name === name)!.values.map((v) => v.value));
  const targetLists = partial.lists.filter((l) => l.target);
  const worstList = targetLists.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  const worstFigure = partial.overview.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  const violations = [...partial.lists, ...(growth?.lists ?? [])].flatMap((l) => l.plan?.violations.map((v) => `${l.name}: ${v}`) ?? []);
  const targets: Results['targets'] = [
    { name: 'ledger core, credit additions at 8 workers ÷ pgbench -N', value: at8('add'), limit: '≥ 0.8', met: at8('add') >= 0.8 },
    { name: 'ledger core, debits at 8 workers ÷ pgbench -N', value: at8('debit'), limit: '≥ 0.8', met: at8('debit') >= 0.8 },
    { name: 'HTTP credit additions ÷ GET /api/health, worst of 8 and 32 connections', value: worst('credit additions ÷ GET /api/health (same server)'), limit: '≥ 0.8', met: worst('credit additions ÷ GET /api/health (same server)') >= 0.8 },
    { name: 'HTTP look-ups ÷ GET /api/health, worst of 8 and 32 connections', value: worst('look-ups ÷ GET /api/health (same server)'), limit: '≥ 0.8', met: worst('look-ups ÷ GET /api/health (same server)') >= 0.8 },
    ...(['credit additions', 'look-ups', 'GET /api/health'] as const).map((what) => {
      const value = best(`${what}, WEB_CONCURRENCY=2 ÷ one process`);
      return { name: `HTTP ${what}, WEB_CONCURRENCY=2 ÷ one process, best of 8 and 32 connections`, value, limit: '≥ 1.3', met: value >= 1.3 };
    }),
    { name: `slowest admin list p95 (${worstList.name})`, value: worstList.p95, limit: '≤ 50 ms', met: worstList.p95 <= 50 },
    { name: `slowest Overview figure p95 (${worstFigure.name})`, value: worstFigure.p95, limit: '≤ 50 ms', met: worstFigure.p95 <= 50 },
    { name: 'admin list plans: scans of credit_transactions/searches reading > 20,000 rows', value: violations.length, limit: '0', met: violations.length === 0 },
    { name: 'embedded start to first page (s)', value: embedded.startSeconds, limit: '≤ 5 s', met: embedded.startSeconds <= 5 },
    // `npm start` runs the server with the heap limit; without it (plain `next start`) RSS is reported above.
    ...lookupCache
      .filter((c) => c.distinctQueries === 1)
      .map((c) => ({
        name: `Roblox requests for ${c.lookups} identical look-ups across ${c.instances} instances (${c.store} cache)`,
        value: c.upstreamRequests,
        limit: '1',
        met: c.upstreamRequests === 1,
      })),
    {
      name: 'server RSS after the HTTP runs, as npm start runs it (MB)',
      value: partial.memory.afterHttpMb,
      limit: '≤ 300 MB',
      met: partial.memory.afterHttpMb <= 300,
    },
  ];
  const results: Results = {
    mode: MODE.name,
    date: new Date().toISOString(),
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    machine: mach,
    postgres: { version: pgVersion!.v, settings },
    ...(growth ? { growth } : {}),
    ...partial,
    httpRatios: ratios,
    embedded,
    lookupCache,
    targets,
    durationSeconds: round((Date.now() - started) / 1000, 1),
  };
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
}

main().catch((err) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
