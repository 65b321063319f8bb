/**
 * A throwaway local pg_auto_failover formation for the chaos tests: a monitor and two data nodes in
 * synchronous replication, each a PostgreSQL instance on a free port, all in one temp directory,
 * driven by Debian's pg_autoctl (apt-get install -y postgresql-15-auto-failover).
 *
 * pg_autoctl's own state lives in that directory too (XDG_* point into it), and every process runs
 * with its working directory inside it (PostgreSQL's chdir to PGDATA), so destroy() can find every
 * one of them, including PostgreSQL children that left the keeper's process group, and leave
 * nothing behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface Formation {
  /**
   * The multi-host URI `pg_autoctl show uri --formation default` prints
   * (postgres://h1:p1,h2:p2/db?target_session_attrs=read-write&sslmode=require). Database: the one
   * created for the app. It names no user: connect as postgres (trust on 127.0.0.1).
   */
  uri: string;
  nodes: Array<{ name: string; port: number; pgdata: string }>;
  /** The monitor's database (pgautofailover.node, pgautofailover.event), as postgres. */
  monitorUrl: string;
  /** The temp directory that holds every data directory and log. */
  dir: string;
  /** Which node is primary right now (asks the monitor). */
  primary(): Promise<{ name: string; port: number }>;
  /**
   * Kill the primary as when its machine dies: SIGKILL its pg_autoctl keeper (its whole process
   * group) and its postmaster and backends together, so nothing restarts it. Returns the killed
   * node and the kill time (ms since epoch).
   */
  killPrimary(): Promise<{ name: string; port: number; killedAt: number }>;
  /**
   * Resolves when the monitor reports a new primary that accepts writes (a real INSERT works), with
   * the time it took: from the last killPrimary(), or from the call when nothing was killed.
   */
  waitForNewPrimary(opts?: { timeoutMs?: number }): Promise<{ name: string; port: number; ms: number }>;
  /** The last lines of every log, for error messages. */
  logTails(lines?: number): string;
  /** Stop everything and remove every data directory. Idempotent, never throws on a half-built formation. */
  destroy(): Promise<void>;
}

/**
 * Monitor settings for `tuned: true`, pg_auto_failover 2.0's defaults in the comments. A dead
 * primary is acted on about 3 s after its keeper's last report instead of 20 s, and the monitor
 * then waits 5 s instead of 30 s for it to have stopped itself before the standby takes writes.
 */
export const TUNED_MONITOR_SETTINGS: Readonly<Record<string, number>> = {
  'pgautofailover.health_check_period': 1_000, // 5000 ms
  'pgautofailover.health_check_timeout': 1_000, // 5000 ms
  'pgautofailover.health_check_max_retries': 1, // 2
  'pgautofailover.health_check_retry_delay': 500, // 2000 ms
  'pgautofailover.node_considered_unhealthy_timeout': 3_000, // 20000 ms
  'pgautofailover.primary_demote_timeout': 5_000, // 30000 ms
};

/**
 * Keeper setting for `tuned: true` (default 20 s): a primary that reaches neither the monitor nor
 * its standby for this long stops its PostgreSQL. It has to stay below
 * node_considered_unhealthy_timeout + primary_demote_timeout (8 s), or a partitioned old primary
 * could still be up when the standby starts taking writes.
 */
export const TUNED_NETWORK_PARTITION_TIMEOUT_S = 4;

const FORMATION = 'default';
const HOST = '127.0.0.1';
const PROBE_TABLE = 'formation_probe';
// Three instances share a busy 2-core machine: waits are generous, but all bounded.
const CREATE_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 120_000;
const CONFIG_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_MS = 200;

/** Appended to postgresql.conf, after pg_autoctl's include, so these win. */
const INSTANCE_CONF = `
# Added by tests/chaos/formation.ts
# pg_autoctl sizes each instance for the whole machine (shared_buffers = 25% of RAM); three share it.
shared_buffers = '128MB'
effective_cache_size = '1GB'
maintenance_work_mem = '64MB'
# Dynamic shared memory in pg_dynshmem/, not /dev/shm: a SIGKILLed node's goes with its directory.
dynamic_shared_memory_type = mmap
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isRoot = () => process.getuid?.() === 0;

// ---------------------------------------------------------------------------------------------
// Installation
// ---------------------------------------------------------------------------------------------

/** PostgreSQL bin directories whose server has the pgautofailover extension, newest first. */
function pgBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'lib', 'pgautofailover.so')) && fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(root, v, 'bin'));
}

function autoctlBinary(): string | undefined {
  return ['/usr/bin/pg_autoctl', ...pgBinDirs().map((d) => path.join(d, 'pg_autoctl'))].find((p) => fs.existsSync(p));
}

/** False when pg_autoctl or the server extension isn't installed (apt-get install -y postgresql-15-auto-failover). */
export function autoFailoverAvailable(): boolean {
  return autoctlBinary() !== undefined && pgBinDirs().length > 0;
}

function postgresIds(): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('there is no postgres user to run pg_autoctl as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer().once('error', reject);
      srv.listen(0, HOST, () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (!taken.has(port)) return taken.add(port), port;
  }
  throw new Error('no free port found');
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

interface Service {
  name: string;
  pgid: number;
  exited: Promise<number | null>;
  /** undefined while it runs */
  exitCode(): number | null | undefined;
}

/** pg_autoctl commands as the postgres user, each the leader of its own process group, logging to <dir>/logs. */
class Autoctl {
  readonly logs: string;
  private readonly services = new Map<string, Service>();

  constructor(
    readonly dir: string,
    private readonly binary: string,
    readonly pgBin: string,
  ) {
    this.logs = path.join(dir, 'logs');
  }

  /** pg_autoctl refuses root: runuser drops to postgres; `env -i` gives it a clean environment that points into `dir`. */
  private argv(args: string[]): [string, string[]] {
    const env = [
      `PATH=${this.pgBin}:/usr/bin:/bin`,
      `HOME=${this.dir}`,
      `XDG_CONFIG_HOME=${path.join(this.dir, 'config')}`,
      `XDG_DATA_HOME=${path.join(this.dir, 'share')}`,
      `XDG_RUNTIME_DIR=${path.join(this.dir, 'run')}`,
      'LC_ALL=C.UTF-8',
    ];
    const argv = ['-i', ...env, this.binary, ...args];
    return isRoot() ? ['runuser', ['-u', 'postgres', '--', 'env', ...argv]] : ['env', argv];
  }

  private spawn(name: string, args: string[], opts: { stdoutFile?: string; background: boolean }): Service {
    const [cmd, argv] = this.argv(args);
    const log = fs.openSync(path.join(this.logs, `${name}.log`), 'a');
    const out = opts.stdoutFile ? fs.openSync(opts.stdoutFile, 'w') : log;
    let child: ChildProcess;
    try {
      // detached: a process group of its own, so one signal reaches the keeper and all it started.
      child = spawn(cmd, argv, { cwd: this.dir, detached: true, stdio: ['ignore', out, log] });
    } finally {
      fs.closeSync(log);
      if (out !== log) fs.closeSync(out);
    }
    // A forgotten formation must not keep the test process alive; the exit hook still stops it.
    if (opts.background) child.unref();
    let code: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (c, signal) => resolve((code = c ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : null))));
      child.once('error', () => resolve((code = 127)));
    });
    const service: Service = { name, pgid: child.pid ?? -1, exited, exitCode: () => code };
    this.services.set(name, service);
    return service;
  }

  /** Starts a long-running service (`pg_autoctl run`). */
  start(name: string, args: string[]): Service {
    return this.spawn(name, args, { background: true });
  }

  /**
   * Runs a command to completion and returns its stdout. Throws with the log tails when it fails,
   * times out, or as soon as one of the services it `needs` (say the monitor) has exited.
   */
  async run(name: string, args: string[], opts: { timeoutMs?: number; needs?: string[] } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? CREATE_TIMEOUT_MS;
    const stdoutFile = path.join(this.logs, `${name}.out`);
    const svc = this.spawn(name, args, { stdoutFile, background: false });
    const deadline = Date.now() + timeoutMs;
    let gone: string | undefined;
    while (svc.exitCode() === undefined && Date.now() < deadline) {
      gone = opts.needs?.find((n) => this.services.get(n)?.exitCode() !== undefined);
      if (gone) break;
      await Promise.race([svc.exited, sleep(POLL_MS)]);
    }
    const code = svc.exitCode();
    if (code === undefined) {
      // A fast shutdown, not SIGKILL: `create` may have a PostgreSQL running that still keeps its
      // dynamic shared memory in /dev/shm. destroy() finishes the job; the service stays listed for it.
      this.signal(svc, 'SIGINT');
      const why = gone
        ? `stopped: pg_autoctl (${gone}) exited with ${this.services.get(gone)?.exitCode()}`
        : `did not finish within ${timeoutMs} ms`;
      throw new Error(`pg_autoctl ${args.slice(0, 2).join(' ')} (${name}) ${why}\n${this.tails()}`);
    }
    this.services.delete(name);
    if (code !== 0) throw new Error(`pg_autoctl ${args.join(' ')} exited with ${code}\n${this.tails()}`);
    return fs.readFileSync(stdoutFile, 'utf8');
  }

  get(name: string): Service | undefined {
    return this.services.get(name);
  }

  all(): Service[] {
    return [...this.services.values()];
  }

  forget(name: string): void {
    this.services.delete(name);
  }

  /** Throws (a fatal error: no point waiting out a timeout) when one of these services has exited. */
  assertRunning(...names: string[]): void {
    for (const name of names) {
      const code = this.services.get(name)?.exitCode();
      if (code !== undefined) throw fatal(`pg_autoctl (${name}) exited with ${code}\n${this.tails()}`);
    }
  }

  signal(svc: Service, signal: NodeJS.Signals): void {
    if (svc.pgid > 0) tryKill(-svc.pgid, signal);
  }

  tails(lines = 25): string {
    if (!fs.existsSync(this.logs)) return '';
    return fs
      .readdirSync(this.logs)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .map((f) => {
        const text = fs.readFileSync(path.join(this.logs, f), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        return `--- ${f} (last ${lines} lines)\n${text}`;
      })
      .join('\n');
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** /proc/<pid>/stat after "(comm) ": state, ppid, pgrp, … (comm may hold spaces and parentheses). */
function procStat(pid: string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const procPids = () => fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));

/** Live processes in one of `pgids`, or with their working directory at or under `dir`. */
function processesOf(pgids: number[], dir: string): number[] {
  return procPids()
    .filter((pid) => {
      const stat = procStat(pid);
      if (!stat || stat[0] === 'Z') return false;
      if (pgids.includes(Number(stat[2]))) return true;
      try {
        const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
        return cwd === dir || cwd.startsWith(dir + '/');
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

/** SIGKILLs the groups, then everything else of theirs, until nothing is left (bounded); returns survivors. */
async function killUntilGone(pgids: number[], dir: string, timeoutMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Groups first: once the keeper and postmaster are dead nothing forks new processes.
    for (const pgid of pgids) if (pgid > 0) tryKill(-pgid, 'SIGKILL');
    const left = processesOf(pgids, dir);
    if (left.length === 0 || Date.now() > deadline) return left;
    for (const pid of left) tryKill(pid, 'SIGKILL');
    await sleep(50);
  }
}

/**
 * A SIGKILLed postmaster leaves its small System V shared memory segment behind (PostgreSQL would
 * remove it at its next start in that directory, which never comes). postmaster.pid names it; it
 * goes only when the key matches and nobody is attached.
 */
function releaseSharedMemory(pgdata: string): void {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!fs.existsSync(pidFile) || !fs.existsSync('/proc/sysvipc/shm')) return;
  const [key, id] = (fs.readFileSync(pidFile, 'utf8').split('\n')[6] ?? '').trim().split(/\s+/).map(Number);
  if (!id) return;
  // columns: key shmid perms size cpid lpid nattch …
  const row = fs
    .readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/).map(Number))
    .find((f) => f[1] === id);
  if (row && row[0] === key && row[6] === 0) spawnSync('ipcrm', ['-m', String(id)], { stdio: 'ignore' });
}

// ---------------------------------------------------------------------------------------------
// SQL and waiting
// ---------------------------------------------------------------------------------------------

async function sql<T extends pg.QueryResultRow>(
  port: number,
  database: string,
  text: string,
  params: unknown[] = [],
  timeoutMs = 5_000,
): Promise<T[]> {
  // Plain TCP: initdb's `host all all 127.0.0.1/32 trust` comes before the hostssl rules pg_autoctl adds.
  const client = new pg.Client({ host: HOST, port, user: 'postgres', database, connectionTimeoutMillis: 3_000, query_timeout: timeoutMs });
  client.on('error', () => {}); // a node killed mid-query must not crash the test process
  try {
    await client.connect();
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

interface NodeState {
  name: string;
  port: number;
  reported: string;
  goal: string;
  health: number;
}

function fatal(message: string): Error {
  return Object.assign(new Error(message), { fatal: true });
}

/** Polls `probe` until it yields a value, for at most `timeoutMs`; the error names what was awaited and adds `context()`. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, context: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}\n${await context()}`);
    }
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// The formation
// ---------------------------------------------------------------------------------------------

interface Instance {
  name: string;
  port: number;
  pgdata: string;
}

class LocalFormation implements Formation {
  uri = '';
  readonly monitorUrl: string;
  private readonly dead = new Set<string>();
  private lastKill: { name: string; killedAt: number } | undefined;
  private destroying: Promise<void> | undefined;
  private readonly exitHook = () => this.hardStopSync();

  constructor(
    private readonly autoctl: Autoctl,
    private readonly monitor: Instance,
    private readonly dataNodes: Instance[],
    private readonly database: string,
    private readonly tuned: boolean,
  ) {
    this.monitorUrl = `postgres://postgres@${HOST}:${monitor.port}/pg_auto_failover`;
    process.on('exit', this.exitHook);
  }

  get dir(): string {
    return this.autoctl.dir;
  }

  get nodes(): Array<{ name: string; port: number; pgdata: string }> {
    return this.dataNodes.map((n) => ({ ...n }));
  }

  logTails(lines?: number): string {
    return this.autoctl.tails(lines);
  }

  // --- building ---------------------------------------------------------------------------------

  async build(): Promise<void> {
    this.prepareDirectory();
    await this.startMonitor();
    if (this.tuned) await this.tuneMonitor();
    await this.addNode(0, { node1: 'single' });
    await this.addNode(1, { node1: 'primary', node2: 'secondary' });
    const primary = await this.primary();
    await this.awaitSynchronousReplication(primary.port);
    // The probe table lives in the postgres database so the app's database stays as the app's migrations expect it.
    await sql(primary.port, 'postgres', `CREATE TABLE ${PROBE_TABLE} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
    const printed = await this.autoctl.run('show-uri', ['show', 'uri', '--pgdata', this.monitor.pgdata, '--formation', FORMATION], {
      timeoutMs: CONFIG_TIMEOUT_MS,
    });
    this.uri = printed.trim();
    if (!this.uri.startsWith('postgres://')) throw new Error(`pg_autoctl show uri printed ${JSON.stringify(printed)}`);
  }

  private prepareDirectory(): void {
    const subdirs = ['logs', 'config', 'share', 'run'].map((s) => path.join(this.dir, s));
    fs.chmodSync(this.dir, 0o700);
    for (const d of subdirs) fs.mkdirSync(d);
    if (!isRoot()) return;
    // pg_autoctl and initdb run as postgres and create the data directories in here.
    const { uid, gid } = postgresIds();
    for (const d of [this.dir, ...subdirs]) fs.chownSync(d, uid, gid);
  }

  private commonArgs(): string[] {
    return ['--hostname', HOST, '--auth', 'trust', '--ssl-self-signed', '--pgctl', path.join(this.autoctl.pgBin, 'pg_ctl')];
  }

  private async startMonitor(): Promise<void> {
    const m = this.monitor;
    // create initdb's, installs the extension and stops PostgreSQL again; run is the service.
    await this.autoctl.run('monitor-create', ['create', 'monitor', '--pgdata', m.pgdata, '--pgport', String(m.port), ...this.commonArgs()]);
    fs.appendFileSync(path.join(m.pgdata, 'postgresql.conf'), INSTANCE_CONF);
    // pg_autoctl starts the monitor with -h from its config: '*' unless told otherwise.
    await this.autoctl.run('monitor-config', ['config', 'set', '--pgdata', m.pgdata, 'postgresql.listen_addresses', HOST], {
      timeoutMs: CONFIG_TIMEOUT_MS,
    });
    this.autoctl.start('monitor', ['run', '--pgdata', m.pgdata]);
    await until(
      'the monitor accepts connections',
      READY_TIMEOUT_MS,
      async () => {
        this.autoctl.assertRunning('monitor');
        return (await sql(m.port, 'pg_auto_failover', 'SELECT 1 FROM pgautofailover.formation')).length > 0 || undefined;
      },
      () => this.context(),
    );
  }

  /** ALTER SYSTEM and a reload, not ALTER DATABASE: running health-check workers and open keeper sessions see only the former. */
  private async tuneMonitor(): Promise<void> {
    const port = this.monitor.port;
    for (const [name, value] of Object.entries(TUNED_MONITOR_SETTINGS)) {
      await sql(port, 'pg_auto_failover', `ALTER SYSTEM SET ${name} = ${value}`);
    }
    await sql(port, 'pg_auto_failover', 'SELECT pg_reload_conf()');
    await until(
      'the monitor applies the tuned settings',
      CONFIG_TIMEOUT_MS,
      async () => {
        const rows = await sql<{ name: string; setting: string }>(
          port,
          'pg_auto_failover',
          "SELECT name, setting FROM pg_settings WHERE name LIKE 'pgautofailover.%'",
        );
        const applied = (n: string, v: number) => rows.some((r) => r.name === n && Number(r.setting) === v);
        return Object.entries(TUNED_MONITOR_SETTINGS).every(([n, v]) => applied(n, v)) || undefined;
      },
      () => this.context(),
    );
  }

  /** Creates, configures and runs data node `i`, then waits until the monitor reports the states in `want`. */
  private async addNode(i: number, want: Record<string, string>): Promise<void> {
    const node = this.dataNodes[i]!;
    const before = this.dataNodes.slice(0, i).map((n) => n.name);
    // The first node creates the app database as primary; the second is a base backup of it.
    await this.autoctl.run(
      `${node.name}-create`,
      [
        'create', 'postgres',
        '--pgdata', node.pgdata,
        '--pgport', String(node.port),
        '--listen', HOST,
        '--name', node.name,
        '--dbname', this.database,
        '--monitor', `postgres://autoctl_node@${HOST}:${this.monitor.port}/pg_auto_failover?sslmode=require`,
        ...this.commonArgs(),
      ],
      { needs: ['monitor', ...before] },
    );
    // The standby's base backup copies postgresql.conf, overrides included.
    if (i === 0) fs.appendFileSync(path.join(node.pgdata, 'postgresql.conf'), INSTANCE_CONF);
    if (this.tuned) {
      const setting = ['timeout.network_partition_timeout', String(TUNED_NETWORK_PARTITION_TIMEOUT_S)];
      await this.autoctl.run(`${node.name}-config`, ['config', 'set', '--pgdata', node.pgdata, ...setting], {
        timeoutMs: CONFIG_TIMEOUT_MS,
      });
    }
    this.autoctl.start(node.name, ['run', '--pgdata', node.pgdata]);
    await until(
      `${node.name} joins (${JSON.stringify(want)})`,
      READY_TIMEOUT_MS,
      async () => {
        this.autoctl.assertRunning('monitor', ...before, node.name);
        const states = await this.nodeStates();
        const reached = (name: string, state: string) => states.some((s) => s.name === name && s.reported === state && s.goal === state);
        return Object.entries(want).every(([name, state]) => reached(name, state)) || undefined;
      },
      () => this.context(),
    );
  }

  /** With one standby pg_auto_failover sets synchronous_standby_names = 'ANY 1 (pgautofailover_standby_2)'. */
  private async awaitSynchronousReplication(primaryPort: number): Promise<void> {
    await until(
      'synchronous replication on the primary',
      READY_TIMEOUT_MS,
      async () => {
        const [row] = await sql<{ ok: boolean }>(
          primaryPort,
          'postgres',
          `SELECT current_setting('synchronous_standby_names') <> ''
                  AND EXISTS (SELECT 1 FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')) AS ok`,
        );
        return row?.ok || undefined;
      },
      () => this.context(),
    );
  }

  // --- the monitor's view -----------------------------------------------------------------------

  async primary(): Promise<{ name: string; port: number }> {
    const rows = await sql<{ name: string; port: number }>(
      this.monitor.port,
      'pg_auto_failover',
      // the node whose assigned state takes writes: single, primary, wait_primary, …
      'SELECT primary_name AS name, primary_port AS port FROM pgautofailover.get_primary($1, 0)',
      [FORMATION],
    );
    if (!rows[0]) throw new Error('the monitor reports no primary');
    return rows[0];
  }

  private nodeStates(): Promise<NodeState[]> {
    return sql<NodeState>(
      this.monitor.port,
      'pg_auto_failover',
      `SELECT nodename AS name, nodeport AS port, reportedstate::text AS reported, goalstate::text AS goal, health
         FROM pgautofailover.node WHERE formationid = $1 ORDER BY nodeid`,
      [FORMATION],
    );
  }

  /** Node states, the monitor's last events and every log tail, for error messages. */
  private async context(): Promise<string> {
    let monitorView: string;
    try {
      const events = await sql<{ at: string; description: string }>(
        this.monitor.port,
        'pg_auto_failover',
        `SELECT to_char(eventtime, 'HH24:MI:SS.MS') AS at, description FROM pgautofailover.event ORDER BY eventid DESC LIMIT 10`,
      );
      const lines = events.reverse().map((e) => `${e.at} ${e.description}`);
      monitorView = `nodes: ${JSON.stringify(await this.nodeStates())}\n${lines.join('\n')}`;
    } catch (err) {
      monitorView = `(monitor unavailable: ${(err as Error).message})`;
    }
    return `${monitorView}\n${this.autoctl.tails()}`;
  }

  // --- faults -----------------------------------------------------------------------------------

  async killPrimary(): Promise<{ name: string; port: number; killedAt: number }> {
    const p = await this.primary();
    const node = this.dataNodes.find((n) => n.name === p.name);
    const keeper = this.autoctl.get(p.name);
    if (!node || !keeper || this.dead.has(p.name)) throw new Error(`primary ${p.name} is not a live node of this formation`);
    // PostgreSQL's children setsid() themselves, so the group alone would miss them: take them by working directory.
    const victims = processesOf([keeper.pgid], node.pgdata);
    const killedAt = Date.now();
    this.autoctl.signal(keeper, 'SIGKILL');
    for (const pid of victims) tryKill(pid, 'SIGKILL');
    const left = await killUntilGone([keeper.pgid], node.pgdata);
    if (left.length) throw new Error(`processes of ${p.name} survived SIGKILL: ${left.join(' ')}`);
    this.dead.add(p.name);
    this.autoctl.forget(p.name);
    this.lastKill = { name: p.name, killedAt };
    return { ...p, killedAt };
  }

  async waitForNewPrimary(opts: { timeoutMs?: number } = {}): Promise<{ name: string; port: number; ms: number }> {
    const since = this.lastKill?.killedAt ?? Date.now();
    const found = await until(
      'a new primary that takes writes',
      opts.timeoutMs ?? 120_000,
      async () => {
        this.autoctl.assertRunning('monitor');
        const p = await this.primary();
        if (p.name === this.lastKill?.name || this.dead.has(p.name)) return undefined;
        return (await this.canWrite(p.port)) ? p : undefined;
      },
      () => this.context(),
    );
    return { ...found, ms: Date.now() - since };
  }

  /**
   * A regular table, not a temporary one, so both guards apply: pg_auto_failover keeps a promoted
   * standby read-only until the old primary's demote timeout is over, and a primary still waiting
   * for its lost synchronous standby never acknowledges the COMMIT.
   */
  private async canWrite(port: number): Promise<boolean> {
    try {
      await sql(port, 'postgres', `INSERT INTO ${PROBE_TABLE} DEFAULT VALUES`, [], 3_000);
      return true;
    } catch {
      return false;
    }
  }

  // --- teardown ---------------------------------------------------------------------------------

  destroy(): Promise<void> {
    return (this.destroying ??= this.teardown());
  }

  private async teardown(): Promise<void> {
    process.off('exit', this.exitHook);
    const services = this.autoctl.all();
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        console.warn(`[formation] destroy: ${what}: ${(err as Error).message ?? err}`);
      }
    };
    await step('stopping', async () => {
      // SIGINT is pg_autoctl's (and the postmaster's) fast shutdown; the data is thrown away anyway.
      for (const svc of services) this.autoctl.signal(svc, 'SIGINT');
      await Promise.race([Promise.all(services.map((s) => s.exited)), sleep(STOP_TIMEOUT_MS)]);
    });
    await step('killing', async () => {
      const left = await killUntilGone(services.map((s) => s.pgid), this.dir);
      if (left.length) throw new Error(`still running after SIGKILL: ${left.join(' ')}`);
    });
    for (const n of [this.monitor, ...this.dataNodes]) await step(`shared memory of ${n.name}`, () => releaseSharedMemory(n.pgdata));
    await step(`removing ${this.dir}`, () => fs.rmSync(this.dir, { recursive: true, force: true }));
  }

  /** Synchronous, for process.on('exit') when a test ends without calling destroy(). */
  private hardStopSync(): void {
    for (const svc of this.autoctl.all()) this.autoctl.signal(svc, 'SIGKILL');
    for (const pid of processesOf([], this.dir)) tryKill(pid, 'SIGKILL');
    for (const n of [this.monitor, ...this.dataNodes]) releaseSharedMemory(n.pgdata);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function createFormation(opts: { database?: string; tuned?: boolean } = {}): Promise<Formation> {
  const database = opts.database ?? 'app';
  const binary = autoctlBinary();
  const pgBin = pgBinDirs()[0];
  if (!binary || !pgBin) throw new Error('pg_auto_failover is not installed (apt-get install -y postgresql-15-auto-failover)');
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`the database name must be a plain identifier: ${database}`);

  const taken = new Set<number>();
  const ports = [await freePort(taken), await freePort(taken), await freePort(taken)];
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rt-formation-')));
  const instance = (name: string, port: number) => ({ name, port, pgdata: path.join(dir, name) });
  const formation = new LocalFormation(
    new Autoctl(dir, binary, pgBin),
    instance('monitor', ports[0]!),
    [instance('node1', ports[1]!), instance('node2', ports[2]!)],
    database,
    opts.tuned ?? true,
  );
  try {
    await formation.build();
    return formation;
  } catch (err) {
    await formation.destroy();
    throw err;
  }
}
