import 'server-only';
import pg from 'pg';
import { config } from '../config';
import { parseInt8 } from './int8';
import { findHost, NoMatchingHostError, parseMultiHostUri, type HostPort, type TargetSessionAttrs } from './multi-host';
import type { Db, DbStatus, Queryable, QueryResult } from './types';
import { DatabaseUnavailableError, failoverKind, unavailableFor } from './unavailable';

const INT8_OID = 20;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
};

// Fail fast instead of hanging a request when a server is down; the endpoint finds another.
const CONNECT_TIMEOUT_MS = 3_000;
// Re-resolving after a failure waits 250 ms, then twice as long each time it fails again, up to 2 s:
// a promoted standby is found within about 2 s, and a database that stays down costs one probe per
// host every 2 s, not one per request.
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 2_000;

interface Target {
  pool: pg.Pool;
  host: HostPort;
}

/**
 * One logical server reached through a (possibly multi-host) URI: the node that matches the URI's
 * target_session_attrs, found by asking each host (multi-host.ts), with a pg pool on it. When a
 * query fails because that node is gone or no longer takes writes (failoverKind), the pool is
 * retired and the next query finds the node again: after a failover, the new primary.
 */
class Endpoint {
  private target: Target | undefined;
  private resolving: Promise<Target> | undefined;
  private retryAt = 0;
  private failures = 0;
  private problem = 'not connected yet';
  private lastHost: HostPort | undefined;

  constructor(
    private readonly uri: string,
    private readonly role: 'primary' | 'replica',
    private readonly max: number,
    private readonly attrs: TargetSessionAttrs,
  ) {
    parseMultiHostUri(uri); // a malformed URI fails at open, not at the first request
  }

  /** The current node, found first if need be. Throws DatabaseUnavailableError while none is found. */
  acquire(): Promise<Target> {
    if (this.target) return Promise.resolve(this.target);
    if (!this.resolving) {
      if (Date.now() < this.retryAt) return Promise.reject(new DatabaseUnavailableError(this.problem));
      this.resolving = this.resolve().finally(() => (this.resolving = undefined));
    }
    return this.resolving;
  }

  private async resolve(): Promise<Target> {
    try {
      const found = await findHost(this.uri, { connectTimeoutMs: CONNECT_TIMEOUT_MS, defaultAttrs: this.attrs });
      const pool = new pg.Pool({
        connectionString: found.connectionString,
        max: this.max,
        types,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        idleTimeoutMillis: 30_000,
        keepAlive: true,
      });
      const target: Target = { pool, host: found.host };
      // A client losing its connection (restart, pg_terminate_backend, a dead node) must never be an
      // uncaughtException (issue 10, defect 8), whatever state it is in: idle (the pool's 'error'),
      // checked out between queries, or being closed by a pool that is being retired (pg-pool then
      // leaves it without any listener). Every client gets one for its whole life; the error also
      // tells us early that the node may be gone.
      pool.on('error', (err) => this.broken(target, err));
      pool.on('connect', (client) => client.on('error', (err) => this.broken(target, err)));
      const moved = this.lastHost && (this.lastHost.host !== found.host.host || this.lastHost.port !== found.host.port);
      if (moved || this.failures > 0) console.log(`[db] ${this.role} is ${label(found.host)}${moved ? ` (was ${label(this.lastHost!)})` : ''}`);
      this.target = target;
      this.lastHost = found.host;
      this.failures = 0;
      return target;
    } catch (err) {
      this.failures++;
      this.retryAt = Date.now() + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
      const problem = describeProblem(this.role, err);
      if (problem !== this.problem) console.error(`[db] ${problem}`);
      this.problem = problem;
      throw new DatabaseUnavailableError(problem);
    }
  }

  /**
   * A query on `target` failed. When the failure says the node is gone or read-only, the target
   * is dropped (once, however many queries fail together) so the next query looks again.
   */
  broken(target: Target, err: unknown): void {
    const kind = failoverKind(err);
    if (!kind || this.target !== target) return;
    this.target = undefined;
    this.problem = kind === 'read-only' ? `${this.role} ${label(target.host)} is read-only` : `lost the connection to ${this.role} ${label(target.host)}`;
    console.error(`[db] ${this.problem}: ${(err as Error).message}; looking for the ${this.role} again`);
    void target.pool.end().catch(() => {});
  }

  /** Runs fn on the current node; connection and read-only failures become DatabaseUnavailableError. */
  async run<T>(fn: (pool: pg.Pool, target: Target) => Promise<T>): Promise<T> {
    const target = await this.acquire();
    try {
      return await fn(target.pool, target);
    } catch (err) {
      this.broken(target, err);
      throw unavailableFor(err);
    }
  }

  get current(): HostPort | undefined {
    return this.target?.host ?? this.lastHost;
  }

  async close(): Promise<void> {
    const target = this.target;
    this.target = undefined;
    this.retryAt = Number.POSITIVE_INFINITY;
    await target?.pool.end();
  }
}

const label = (h: HostPort) => `${h.host}:${h.port}`;

function describeProblem(role: string, err: unknown): string {
  if (err instanceof NoMatchingHostError) {
    const what = err.attempts.map((a) => `${label(a.host)} ${a.outcome === 'unreachable' ? 'unreachable' : a.readOnly ? `${a.outcome}, read-only` : a.outcome}`);
    return role === 'primary' ? `No database host accepts writes (${what.join('; ')})` : `No read replica host answers (${what.join('; ')})`;
  }
  return `The ${role} database is unreachable (${(err as Error).message})`;
}

function wrap(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const res = await target.query(sql, params as unknown[] | undefined);
      return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
    },
    async exec(sql) {
      await target.query(sql);
    },
  };
}

/** Queries through an endpoint, each with the endpoint's failover handling. */
function through(endpoint: Endpoint): Queryable {
  return {
    query: (sql, params) => endpoint.run((pool) => wrap(pool).query(sql, params)),
    exec: (sql) => endpoint.run((pool) => wrap(pool).exec(sql)),
  };
}

async function transaction<T>(endpoint: Endpoint, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return endpoint.run(async (pool, target) => {
    const client = await pool.connect();
    // A connection lost while the transaction waits on something else: the client must not go
    // back to the pool (every client also has the endpoint's own listener, see resolve()).
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
      endpoint.broken(target, err);
    };
    client.on('error', onError);
    const tx = wrap(client);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn({
        // Errors keep their PostgreSQL codes for the domain code (23505, 23514, …); run() maps what
        // is a lost connection or a read-only node once the transaction is over.
        query: (sql, params) => tx.query(sql, params),
        exec: (sql) => tx.exec(sql),
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // connection is gone; don't return it to the pool
      }
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(lost ?? broken);
    }
  });
}

/**
 * A read replica with the primary behind it: queries go to the replica, and to the primary while
 * the replica is down (its endpoint then fails fast during its back-off, so a dead replica costs
 * one connect timeout, not one per request).
 */
function replicaReads(replica: Endpoint, primary: Queryable, after: string | null | undefined): Queryable {
  let chosen: Promise<boolean> | undefined;
  const replicaCaughtUp = () =>
    (chosen ??= after
      ? replica
          .run((pool) =>
            pool.query<{ ok: boolean }>(
              'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, NOT pg_is_in_recovery()) AS ok',
              [after],
            ),
          )
          .then((r) => r.rows[0]?.ok === true)
          .catch(() => false)
      : Promise.resolve(true));
  const fallback = <T>(onReplica: () => Promise<T>, onPrimary: () => Promise<T>) =>
    replicaCaughtUp().then((yes) =>
      yes
        ? onReplica().catch((err) => {
            if (err instanceof DatabaseUnavailableError) return onPrimary();
            throw err;
          })
        : onPrimary(),
    );
  const direct = through(replica);
  return {
    query: (sql, params) => fallback(() => direct.query(sql, params), () => primary.query(sql, params)),
    exec: (sql) => fallback(() => direct.exec(sql), () => primary.exec(sql)),
  };
}

export interface PostgresOptions {
  max?: number;
  /** A streaming replica for lag-tolerant reads (DATABASE_READ_URL). */
  readUrl?: string;
}

/**
 * PostgreSQL through pg pools. `connectionString` may be a libpq multi-host URI (pg_auto_failover's
 * `pg_autoctl show uri`): the app connects to the host that takes writes (target_session_attrs
 * defaults to read-write here) and, after a failover, finds the new primary by itself.
 */
export function openPostgres(connectionString: string, opts: PostgresOptions = {}): Db {
  const max = opts.max ?? config.databasePoolSize;
  const primary = new Endpoint(connectionString, 'primary', max, 'read-write');
  const replica = opts.readUrl ? new Endpoint(opts.readUrl, 'replica', max, 'any') : undefined;
  const onPrimary = through(primary);
  return {
    kind: 'postgres',
    ...onPrimary,
    transaction: (fn) => transaction(primary, fn),
    async status(): Promise<DbStatus> {
      try {
        return await primary.run(async (pool, target) => {
          const { rows } = await pool.query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro");
          const writable = rows[0]?.ro === 'off';
          // A demoted primary: look for the new one now rather than at the next write.
          if (!writable) primary.broken(target, Object.assign(new Error('the node is read-only'), { code: '25006' }));
          return { host: target.host.host, port: target.host.port, writable };
        });
      } catch {
        const host = primary.current;
        return { host: host?.host ?? null, port: host?.port ?? null, writable: false };
      }
    },
    reads: (after) => (replica ? replicaReads(replica, onPrimary, after) : onPrimary),
    async writePosition() {
      if (!replica) return null;
      const { rows } = await onPrimary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      return rows[0]?.lsn ?? null;
    },
    async close() {
      await Promise.all([primary.close(), replica?.close()]);
    },
  };
}

