/**
 * `npm run test:chaos`: a bank test in the manner of Jepsen's bank workload. Concurrent clients move
 * credits over HTTP (admin additions, half with an Idempotency-Key and some retried after a dropped
 * connection; paid look-ups that debit; reads) against the production build while faults are
 * injected: the app's database connections are terminated, PostgreSQL restarts, the app server is
 * SIGKILLed and started again. Afterwards every customer's ledger is checked, and every write the
 * server acknowledged must be there exactly once.
 *
 * Phase "single": one app instance straight on PostgreSQL. Phase "scale-out": two app instances
 * through pgbouncer in transaction-pooling mode. Phase "failover": a pg_auto_failover formation
 * (monitor + two synchronous data nodes, tests/chaos/formation.ts), the app on its multi-host URI,
 * the primary SIGKILLed (keeper and postmaster) mid-run; the report states the time from the kill
 * to the first acknowledged write. Phase "reload": the app under pm2 (ecosystem.config.cjs, two
 * cluster processes), `pm2 reload roblox-tool` twice mid-run; no request may fail.
 * Every phase: zero uncaughtException in the servers' logs. CHAOS_OPS / CHAOS_CLIENTS /
 * CHAOS_PHASES tune it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { findHost } from '../../src/app/lib/db/multi-host';
import { fakeRobloxEnv, startFakeRoblox } from '../support/fake-roblox';
import { ApiClient } from '../support/http-client';
import { freePort, startServer, type RunningServer } from '../support/server';
import { assertLocalDatabase } from '../support/env';
import { brokenInvariants } from '../support/ledger-invariants';
import { restartPostgres, terminateBackends, waitForPostgres } from './faults';
import { autoFailoverAvailable, createFormation, type Formation } from './formation';
import { startPgbouncer, type Bouncer } from './pgbouncer';
import { startPm2, type Pm2App } from './pm2';

const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const OPS = Number(process.env.CHAOS_OPS ?? 5000);
const CLIENTS = Number(process.env.CHAOS_CLIENTS ?? 16);
const PHASES = (process.env.CHAOS_PHASES ?? 'single,scale-out,failover,reload').split(',');
// With the monitor tuned as docs/SCALING.md recommends (tests/chaos/formation.ts measured 8–10 s).
const FAILOVER_LIMIT_MS = 30_000;
// How long a keyed addition keeps retrying (same key) through a fault: longer than a failover.
const KEYED_RETRY_MS = 60_000;
const FAULT_KINDS = ['terminateBackends', 'restartPostgres', 'killApp'] as const;
const FAULTS = (process.env.CHAOS_FAULTS?.split(',') ?? FAULT_KINDS) as Array<(typeof FAULT_KINDS)[number]>;
const CUSTOMERS = 8;
const PASSWORD = 'chaos password 1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (n: number) => Math.floor(Math.random() * n);

type Outcome = 'ack' | 'rejected' | 'unknown';
interface AddOp {
  tag: string;
  customerId: number;
  amount: number;
  key: string | null;
  dropped: boolean;
  outcome: Outcome;
}

interface PhaseReport {
  phase: string;
  instances: number;
  viaPgbouncer: boolean;
  database: string;
  clients: number;
  operations: number;
  seconds: number;
  adds: { total: number; keyed: number; droppedAndRetried: number; acknowledged: number; rejected: number; unknown: number };
  lookups: { total: number; ok: number; insufficient: number; upstreamFailed: number; unknown: number };
  reads: { total: number; ok: number; failed: number };
  faults: Record<string, number>;
  /** failover: the killed node, the new primary, and kill → first acknowledged write / writable (ms). */
  failover?: { killed: string; newPrimary: string; killToFirstWriteMs: number | null; killToWritableMs: number; limitMs: number };
  /** reload: additions whose request failed outright (connection refused or reset, 5xx). */
  failedRequests?: number;
  uncaughtExceptions: number;
  verified: { customers: number; transactions: number; searches: number; idempotencyKeys: number };
  violations: string[];
  recoveredBySelf: boolean;
}

async function adminQuery<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function timedFetch(url: string, init: RequestInit, dropAfterMs?: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), dropAfterMs ?? 15_000);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const client = new ApiClient(baseUrl);
      await client.signIn(username, password);
      if (client.sessionToken) return client.sessionToken;
    } catch {
      /* server restarting */
    }
    if (attempt > 40) throw new Error(`could not sign in as ${username}`);
    await sleep(500);
  }
}

/** The app servers a phase runs, wherever they come from. */
interface Fleet {
  baseUrl(i: number): string;
  healthy(): Promise<boolean>;
  /** Every server's log so far, killed ones included. */
  output(): string;
  count: number;
  stop(): Promise<void>;
}

function serverFleet(instances: RunningServer[], restart: (i: number) => Promise<RunningServer>): Fleet & { kill(i: number): Promise<void> } {
  const logs: string[] = [];
  return {
    count: instances.length,
    baseUrl: (i) => instances[i % instances.length]!.baseUrl,
    healthy: () => Promise.all(instances.map((s) => fetch(`${s.baseUrl}/api/health`).then((r) => r.ok))).then((a) => a.every(Boolean)),
    output: () => [...logs, ...instances.map((s) => s.output())].join('\n'),
    async kill(i) {
      await instances[i]!.kill();
      logs.push(instances[i]!.output());
      instances[i] = await restart(i);
    },
    async stop() {
      for (const s of instances) await s.stop().catch(() => {});
    },
  };
}

function pm2Fleet(app: Pm2App): Fleet {
  return {
    count: 1,
    baseUrl: () => app.baseUrl,
    healthy: () => fetch(`${app.baseUrl}/api/health`).then((r) => r.ok),
    output: () => app.output(),
    stop: () => app.stop(),
  };
}

/** pg_autoctl's URI names no user; the formation trusts postgres on 127.0.0.1. */
const asPostgres = (uri: string) => uri.replace('postgres://', 'postgres://postgres@');

async function runPhase(phase: string): Promise<PhaseReport> {
  const scaleOut = phase === 'scale-out';
  const failover = phase === 'failover';
  const reload = phase === 'reload';
  if (failover && !autoFailoverAvailable()) {
    throw new Error('phase failover needs pg_auto_failover: apt-get install -y postgresql-15-auto-failover');
  }
  let formation: Formation | undefined;
  let bouncer: Bouncer | undefined;
  let fleet: (Fleet & { kill?(i: number): Promise<void> }) | undefined;
  let pm2App: Pm2App | undefined;
  const roblox = await startFakeRoblox({ slowMs: 2_000 });
  const dbName = `rt_chaos_${crypto.randomBytes(4).toString('hex')}`;
  // Where the checks read afterwards (for failover: whichever node is primary then).
  let verifyUrl: () => Promise<string>;
  let appDbUrl: string;
  if (failover) {
    formation = await createFormation({ database: dbName, tuned: true });
    appDbUrl = asPostgres(formation.uri);
    verifyUrl = async () => (await findHost(appDbUrl, { connectTimeoutMs: 3_000 })).connectionString;
  } else {
    await adminQuery(ADMIN_URL, `CREATE DATABASE ${dbName}`);
    const directUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
    appDbUrl = scaleOut ? (bouncer = await startPgbouncer(dbName)).url(dbName) : directUrl;
    verifyUrl = async () => directUrl;
  }
  const env = {
    NEXTAUTH_SECRET: crypto.randomBytes(32).toString('base64url'),
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: PASSWORD,
    ...fakeRobloxEnv(roblox),
    // The bank test counts credits, not Roblox's quota: the shared rate limit stays out of the way.
    ROBLOX_RATE_LIMIT_PER_MINUTE: '1000000',
    ROBLOX_TIMEOUT_MS: '1000',
    ROBLOX_MAX_RETRIES: '1',
    DATABASE_POOL_SIZE: '8',
    LOGIN_RATE_LIMIT_ATTEMPTS: '1000',
  };

  const violations: string[] = [];
  const faults: Record<string, number> = failover ? { killPrimary: 0 } : reload ? { pm2Reload: 0 } : Object.fromEntries(FAULTS.map((k) => [k, 0]));
  const adds: AddOp[] = [];
  const lookups = { total: 0, ok: 0, insufficient: 0, upstreamFailed: 0, unknown: 0 };
  const reads = { total: 0, ok: 0, failed: 0 };
  const runId = crypto.randomBytes(3).toString('hex');
  let failedRequests = 0;
  // What each failed request met (a status, or the network error's code), for the report.
  const failures = new Map<string, number>();
  const failed = (what: string) => {
    failedRequests++;
    failures.set(what, (failures.get(what) ?? 0) + 1);
  };
  const errorOf = (err: unknown) => {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    return e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.name ?? 'error');
  };
  let killedAt: number | undefined;
  let firstWriteAfterKill: number | undefined;
  let failoverReport: PhaseReport['failover'];

  try {
    if (reload) {
      pm2App = await startPm2({ ...env, DATABASE_URL: appDbUrl, WEB_CONCURRENCY: '2' }, await freePort());
      fleet = pm2Fleet(pm2App);
    } else {
      const instances: RunningServer[] = [];
      for (let i = 0; i < (scaleOut ? 2 : 1); i++) instances.push(await startServer(env, { databaseUrl: appDbUrl }));
      const ports = instances.map((s) => Number(new URL(s.baseUrl).port));
      fleet = serverFleet(instances, (i) => startServer(env, { databaseUrl: appDbUrl, port: ports[i] }));
    }
    const app = fleet;
    const baseUrl = (i: number) => app.baseUrl(i);

    // Customers, each with one USER for look-ups, and starting credits.
    const adminToken = await signIn(baseUrl(0), 'admin', PASSWORD);
    const admin = new ApiClient(baseUrl(0), `next-auth.session-token=${adminToken}`);
    const tenants: Array<{ id: number; userToken: string }> = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: `Chaos ${runId} ${i}`, maxUsers: 5 }), 201);
      const username = `chaos_${runId}_${i}`;
      await admin.expectJson(admin.post('/api/admin/users', { username, password: PASSWORD, role: 'USER', customerId: customer.id }), 201);
      await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 50, description: `seed ${runId}` }), 200);
      tenants.push({ id: customer.id, userToken: await signIn(baseUrl(0), username, PASSWORD) });
    }

    let issued = 0;
    let running = true;
    const started = Date.now();

    async function addCredits(client: number): Promise<void> {
      const tag = `chaos ${runId} op ${issued}`;
      const keyed = Math.random() < 0.5;
      const op: AddOp = {
        tag,
        customerId: tenants[rand(CUSTOMERS)]!.id,
        amount: 1 + rand(100),
        key: keyed ? crypto.randomUUID() : null,
        dropped: keyed && Math.random() < 0.2,
        outcome: 'unknown',
      };
      adds.push(op);
      const body = JSON.stringify({ customerId: op.customerId, amount: op.amount, description: tag });
      const headers: Record<string, string> = { 'content-type': 'application/json', cookie: `next-auth.session-token=${adminToken}` };
      if (op.key) headers['idempotency-key'] = op.key;
      const deadline = Date.now() + (op.key ? KEYED_RETRY_MS : 0);
      for (let attempt = 0; attempt === 0 || Date.now() < deadline; attempt++) {
        const sentAt = Date.now();
        let wait = 100 + rand(400);
        const ownDrop = op.dropped && attempt === 0;
        try {
          // A dropped connection: the first try is cut off after a few milliseconds, then retried.
          const res = await timedFetch(`${baseUrl(client + attempt)}/api/admin/credits/add`, { method: 'POST', headers, body }, ownDrop ? 1 + rand(15) : undefined);
          if (res.ok) {
            const json = await res.json();
            if (json.transaction?.amount !== op.amount) violations.push(`add ${tag}: acknowledged with a different amount`);
            op.outcome = 'ack';
            if (killedAt !== undefined && sentAt >= killedAt && firstWriteAfterKill === undefined) firstWriteAfterKill = Date.now();
            return;
          }
          await res.body?.cancel();
          if (res.status >= 400 && res.status < 500) {
            op.outcome = 'rejected';
            violations.push(`add ${tag}: refused with ${res.status}`);
            return;
          }
          if (!ownDrop) failed(`add: ${res.status}`);
          if (res.status === 503) {
            const after = Number(res.headers.get('retry-after'));
            if (!(after >= 0)) violations.push(`add ${tag}: a 503 without Retry-After`);
            wait = Math.min(wait, after * 1000);
          }
        } catch (err) {
          /* network error, timeout or our own drop: retry if keyed */
          if (!ownDrop) failed(`add: ${errorOf(err)}`);
        }
        if (Date.now() < deadline) await sleep(wait);
      }
    }

    async function lookup(client: number): Promise<void> {
      lookups.total++;
      const tenant = tenants[rand(CUSTOMERS)]!;
      const query = Math.random() < 0.1 ? `fail500 ${runId} ${issued}` : 'blox';
      try {
        const res = await timedFetch(`${baseUrl(client)}/api/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: `next-auth.session-token=${tenant.userToken}` },
          body: JSON.stringify({ query, type: 'keyword' }),
        });
        await res.body?.cancel();
        if (res.status === 200) lookups.ok++;
        else if (res.status === 402) lookups.insufficient++;
        else if (res.status === 502 && query.startsWith('fail500')) lookups.upstreamFailed++;
        else lookups.unknown++;
        if (res.status >= 500 && !(res.status === 502 && query.startsWith('fail500'))) failed(`lookup: ${res.status}`);
      } catch (err) {
        lookups.unknown++;
        failed(`lookup: ${errorOf(err)}`);
      }
    }

    async function read(client: number): Promise<void> {
      reads.total++;
      const tenant = tenants[rand(CUSTOMERS)]!;
      try {
        const res = await timedFetch(`${baseUrl(client)}/api/admin/customers/${tenant.id}`, {
          headers: { cookie: `next-auth.session-token=${adminToken}` },
        });
        if (!res.ok) {
          await res.body?.cancel();
          reads.failed++;
          failed(`read: ${res.status}`);
          return;
        }
        const { customer } = await res.json();
        reads.ok++;
        if (customer.creditBalance < 0) violations.push(`read: customer ${tenant.id} balance ${customer.creditBalance} < 0`);
        if (customer.creditBalance !== customer.totalCreditsPurchased - customer.totalCreditsUsed) {
          violations.push(`read: customer ${tenant.id} balance != purchased - used`);
        }
      } catch (err) {
        reads.failed++;
        failed(`read: ${errorOf(err)}`);
      }
    }

    const worker = async (client: number) => {
      while (issued < OPS) {
        issued++;
        const r = Math.random();
        if (r < 0.45) await addCredits(client);
        else if (r < 0.8) await lookup(client);
        else await read(client);
      }
    };

    const when = async (share: number) => {
      while (running && issued < OPS * share) await sleep(50);
    };
    const note = (kind: string) => {
      faults[kind] = (faults[kind] ?? 0) + 1;
      console.log(`[chaos ${phase}] fault ${kind} (ops issued: ${issued})`);
    };
    const injector = async () => {
      if (failover) {
        // The primary's machine dies a third of the way in; the workload goes on.
        await when(0.3);
        const killed = await formation!.killPrimary();
        killedAt = killed.killedAt;
        note('killPrimary');
        const next = await formation!.waitForNewPrimary({ timeoutMs: 120_000 });
        failoverReport = { killed: killed.name, newPrimary: next.name, killToFirstWriteMs: null, killToWritableMs: next.ms, limitMs: FAILOVER_LIMIT_MS };
        return;
      }
      if (reload) {
        for (const share of [0.3, 0.65]) {
          await when(share);
          await pm2App!.reload();
          note('pm2Reload');
        }
        return;
      }
      for (let i = 0; running; i++) {
        await sleep(1_500 + rand(1_500));
        if (!running) break;
        const kind = FAULTS[i % FAULTS.length]!;
        if (kind === 'terminateBackends') await terminateBackends(ADMIN_URL, dbName);
        else if (kind === 'restartPostgres') await restartPostgres(ADMIN_URL);
        else await fleet!.kill!(faults.killApp! % fleet!.count);
        note(kind);
      }
    };

    const injecting = injector();
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => worker(i)));
    running = false;
    await injecting;
    const seconds = (Date.now() - started) / 1000;

    // The app must recover by itself: healthy and accepting writes again, with no help.
    let recoveredBySelf = false;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !recoveredBySelf) {
      try {
        if (await app.healthy()) {
          const res = await fetch(`${baseUrl(0)}/api/admin/credits/add`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: `next-auth.session-token=${adminToken}` },
            body: JSON.stringify({ customerId: tenants[0]!.id, amount: 1, description: `after faults ${runId}` }),
          });
          recoveredBySelf = res.ok;
        }
      } catch {
        /* not yet */
      }
      if (!recoveredBySelf) await sleep(500);
    }
    if (!recoveredBySelf) violations.push('the app did not recover by itself within 60 s of the last fault');

    if (failover) {
      if (!failoverReport) violations.push('the primary was never killed');
      else {
        failoverReport.killToFirstWriteMs = firstWriteAfterKill === undefined ? null : firstWriteAfterKill - killedAt!;
        const ms = failoverReport.killToFirstWriteMs;
        if (ms === null) violations.push('no write was acknowledged after the primary was killed');
        else if (ms > FAILOVER_LIMIT_MS) violations.push(`kill → first acknowledged write took ${ms} ms (limit ${FAILOVER_LIMIT_MS})`);
      }
    }
    if (reload && failedRequests > 0) violations.push(`${failedRequests} request(s) failed during pm2 reload (refused, reset or 5xx): ${JSON.stringify(Object.fromEntries(failures))}`);
    // Issue 10, defect 8: connections lost under the faults must never surface as uncaught exceptions.
    const logs = app.output();
    fs.mkdirSync('test-results', { recursive: true });
    fs.writeFileSync(path.join('test-results', `chaos-${phase}-servers.log`), logs);
    const uncaught = logs.split('\n').flatMap((line, i, all) => (/uncaughtException|Unhandled 'error' event/.test(line) ? [all.slice(i, i + 3).join(' | ')] : []));
    const uncaughtExceptions = uncaught.length;
    if (uncaughtExceptions > 0) {
      violations.push(`${uncaughtExceptions} uncaughtException line(s) in the servers' logs (test-results/chaos-${phase}-servers.log), first: ${uncaught[0]}`);
    }

    if (!failover) await waitForPostgres(ADMIN_URL);
    const verified = await verify(await verifyUrl(), runId, adds, violations);
    const ack = adds.filter((a) => a.outcome === 'ack').length;
    return {
      phase,
      instances: reload ? 2 : app.count,
      viaPgbouncer: scaleOut,
      database: failover ? 'pg_auto_failover formation (monitor + 2 synchronous data nodes)' : reload ? 'PostgreSQL, app under pm2 (cluster, 2 processes)' : 'PostgreSQL',
      clients: CLIENTS,
      operations: issued,
      seconds: Math.round(seconds * 10) / 10,
      adds: {
        total: adds.length,
        keyed: adds.filter((a) => a.key).length,
        droppedAndRetried: adds.filter((a) => a.dropped).length,
        acknowledged: ack,
        rejected: adds.filter((a) => a.outcome === 'rejected').length,
        unknown: adds.filter((a) => a.outcome === 'unknown').length,
      },
      lookups,
      reads,
      faults,
      ...(failoverReport ? { failover: failoverReport } : {}),
      ...(reload ? { failedRequests } : {}),
      uncaughtExceptions,
      verified,
      violations,
      recoveredBySelf,
    };
  } finally {
    await fleet?.stop();
    await bouncer?.stop();
    await roblox.close();
    if (formation) await formation.destroy();
    else await adminQuery(ADMIN_URL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  }
}

/** The invariants, checked with SQL on the database itself. */
async function verify(url: string, runId: string, adds: AddOp[], violations: string[]) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    // Per customer: balance = Σ amount = newest balance_after; totals agree; a gap-free chain.
    const customers = await db.query<{ customer_id: number; balance: string; purchased: string; used: string; gone: string }>(
      `SELECT customer_id, balance, total_purchased AS purchased, total_used AS used,
              total_expired + total_voided + total_deducted AS gone FROM customer_credits`,
    );
    let transactions = 0;
    for (const c of customers.rows) {
      const rows = (
        await db.query<{ id: string; amount: string; balance_before: string; balance_after: string }>(
          'SELECT id, amount, balance_before, balance_after FROM credit_transactions WHERE customer_id = $1 ORDER BY id',
          [c.customer_id],
        )
      ).rows.map((r) => ({ id: Number(r.id), amount: Number(r.amount), before: Number(r.balance_before), after: Number(r.balance_after) }));
      transactions += rows.length;
      let running = 0;
      let sum = 0;
      for (const r of rows) {
        if (r.before !== running) violations.push(`customer ${c.customer_id}: row ${r.id} starts at ${r.before}, previous ended at ${running}`);
        if (r.after !== r.before + r.amount) violations.push(`customer ${c.customer_id}: row ${r.id} after != before + amount`);
        if (r.after < 0) violations.push(`customer ${c.customer_id}: row ${r.id} negative balance`);
        running = r.after;
        sum += r.amount;
      }
      const balance = Number(c.balance);
      if (balance !== sum) violations.push(`customer ${c.customer_id}: balance ${balance} != Σ amount ${sum}`);
      if (rows.length && balance !== rows.at(-1)!.after) violations.push(`customer ${c.customer_id}: balance != newest balance_after`);
      if (balance !== Number(c.purchased) - Number(c.used) - Number(c.gone)) {
        violations.push(`customer ${c.customer_id}: balance != purchased - used - expired - voided - deducted`);
      }
    }

    // And the whole invariant set the integration tests check after every test (grants,
    // allocations, refunds to their grants, running totals, the hash chain).
    const broken = await brokenInvariants({
      query: async (sql: string, params?: readonly unknown[]) => {
        const r = await db.query(sql, params as unknown[] | undefined);
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      },
      exec: async (sql: string) => void (await db.query(sql)),
    } as Parameters<typeof brokenInvariants>[0]);
    for (const [name, rows] of Object.entries(broken)) violations.push(`ledger invariant "${name}" broken: ${JSON.stringify(rows)}`);

    // Every acknowledged addition exactly once; a retried keyed one never twice; unknown ones at most once.
    const counts = new Map<string, number>();
    for (const r of (
      await db.query<{ description: string; n: number }>(
        `SELECT description, count(*)::int AS n FROM credit_transactions WHERE description LIKE $1 GROUP BY description`,
        [`[ADMIN] chaos ${runId} op %`],
      )
    ).rows) {
      counts.set(r.description.replace(/^\[ADMIN\] /, '').replace(/ \(Added by: admin\)$/, ''), r.n);
    }
    for (const a of adds) {
      const n = counts.get(a.tag) ?? 0;
      if (a.outcome === 'ack' && n !== 1) violations.push(`acknowledged addition "${a.tag}" is present ${n} times`);
      if (a.key && n > 1) violations.push(`idempotency key of "${a.tag}" applied ${n} times`);
      if (a.outcome !== 'ack' && n > 1) violations.push(`unacknowledged addition "${a.tag}" is present ${n} times`);
    }
    const keys = await db.query<{ key: string; txid: number }>(`SELECT key, (response->'transaction'->>'id')::bigint AS txid FROM idempotency_keys`);
    const byKey = new Map(adds.filter((a) => a.key).map((a) => [a.key!, a]));
    for (const k of keys.rows) {
      const op = byKey.get(k.key);
      if (!op) continue;
      const hit = await db.query('SELECT 1 FROM credit_transactions WHERE id = $1', [k.txid]);
      if (hit.rowCount !== 1) violations.push(`idempotency key ${k.key} points at a missing transaction`);
    }

    // Every look-up charged once; refunded at most once, and only if it failed.
    const searches = await db.query<{ id: string; status: string; usage: number; refunds: number }>(
      `SELECT s.id, s.status,
              (SELECT count(*)::int FROM credit_transactions ct WHERE ct.customer_id = s.customer_id AND ct.type = 'usage'
                 AND ct.description LIKE 'Look-up #' || s.id || ' (%') AS usage,
              (SELECT count(*)::int FROM credit_transactions ct WHERE ct.customer_id = s.customer_id AND ct.type = 'refund'
                 AND ct.description LIKE 'Refund for look-up #' || s.id || ':%') AS refunds
         FROM searches s`,
    );
    for (const s of searches.rows) {
      const wantRefunds = s.status === 'refunded' || s.status === 'rejected' ? 1 : 0;
      if (s.usage !== 1 || s.refunds !== wantRefunds) {
        violations.push(`look-up ${s.id} (${s.status}): ${s.usage} debits and ${s.refunds} refunds`);
      }
    }
    const orphans = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM credit_transactions ct WHERE ct.type = 'usage'
        AND NOT EXISTS (SELECT 1 FROM searches s WHERE ct.description LIKE 'Look-up #' || s.id || ' (%')`,
    );
    if (orphans.rows[0]!.n > 0) violations.push(`${orphans.rows[0]!.n} debits belong to no look-up`);
    return { customers: customers.rowCount ?? 0, transactions, searches: searches.rowCount ?? 0, idempotencyKeys: keys.rowCount ?? 0 };
  } finally {
    await db.end();
  }
}

async function main() {
  assertLocalDatabase(ADMIN_URL);
  await waitForPostgres(ADMIN_URL);
  const reports: PhaseReport[] = [];
  for (const phase of PHASES) {
    console.log(`\n=== chaos phase ${phase}: ${OPS} operations, ${CLIENTS} clients`);
    const report = await runPhase(phase);
    reports.push(report);
    console.log(JSON.stringify(report, null, 2));
  }
  fs.mkdirSync('test-results', { recursive: true });
  fs.writeFileSync(path.join('test-results', 'chaos.json'), JSON.stringify({ date: new Date().toISOString(), reports }, null, 2));
  // A run that injected fewer kinds of fault than asked for proves less than it claims.
  const failed = reports.filter((r) => r.violations.length > 0 || Object.values(r.faults).some((n) => n === 0));
  for (const r of reports) {
    console.log(
      `${r.phase}: ${r.operations} ops in ${r.seconds}s, faults ${JSON.stringify(r.faults)}, ` +
        `${r.adds.acknowledged} acknowledged additions, ${r.violations.length} violations` +
        (r.failover ? `; primary ${r.failover.killed} killed → first acknowledged write ${r.failover.killToFirstWriteMs} ms (new primary ${r.failover.newPrimary} writable after ${r.failover.killToWritableMs} ms; limit ${r.failover.limitMs} ms)` : '') +
        (r.failedRequests !== undefined ? `; ${r.failedRequests} failed requests` : ''),
    );
  }
  console.log(`chaos: ${reports.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log('chaos: 0 passed, 1 failed');
  process.exit(1);
});
