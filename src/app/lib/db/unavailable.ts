import 'server-only';
import { AppError } from '../errors';

/**
 * The one place where "the database can't take this request right now" is recognised and turned
 * into the API's answer: a 503 with Retry-After. Writes in flight when it happens were rolled back
 * by PostgreSQL (or, if the connection died during COMMIT, possibly applied): a retry with the same
 * Idempotency-Key is applied at most once.
 */
export const RETRY_AFTER_SECONDS = 2;

export class DatabaseUnavailableError extends AppError {
  constructor(details: string) {
    super('unavailable', 'Database unavailable', `${details}; retry in a few seconds (a write retried with the same Idempotency-Key is applied at most once)`, {
      'Retry-After': String(RETRY_AFTER_SECONDS),
    });
    this.name = 'DatabaseUnavailableError';
  }
}

// Socket-level failures reaching or talking to a server.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres's own words for a connection that is gone or never came (a connection attempt that
// times out is "Connection terminated due to connection timeout").
const DRIVER_MESSAGES = /^(Connection terminated|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|Query read timeout)/;
// pg-pool's words when every client of the pool stayed busy for the connect timeout: the node is
// alive (those clients are busy on it), so it is a 503 for this request but no reason to look for
// another node. Taken for a lost node, it sent a server starting under load (its background jobs'
// first runs holding the pool) into re-resolution with back-off, failing requests that would have
// had a connection a moment later.
const POOL_WAIT = /^timeout exceeded when trying to connect/;

/**
 * Why a query failed, when the cause is the node rather than the request: `read-only` (25006, a
 * standby or a primary being demoted), `connection` (class 08, the server shutting down 57P01-03,
 * a socket error, the driver's connection errors). null for everything else.
 */
export function failoverKind(err: unknown): 'read-only' | 'connection' | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object' || err instanceof AppError) return null;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === '25006') return 'read-only';
  if (code.startsWith('08') || /^57P0[123]$/.test(code) || NETWORK_CODES.has(code)) return 'connection';
  if (typeof e.message === 'string' && DRIVER_MESSAGES.test(e.message)) return 'connection';
  return null;
}

/** The error a caller should see: DatabaseUnavailableError for a failover-kind failure, else `err` itself. */
export function unavailableFor(err: unknown): unknown {
  const kind = failoverKind(err);
  if (kind === 'read-only') return new DatabaseUnavailableError('The database is read-only right now (a failover may be under way)');
  if (kind === 'connection') return new DatabaseUnavailableError('The connection to the database was lost');
  // Too many connections: the server is up but full.
  if ((err as { code?: unknown } | null)?.code === '53300') return new DatabaseUnavailableError('The database has no free connection');
  if (err instanceof Error && POOL_WAIT.test(err.message)) return new DatabaseUnavailableError('Every database connection of this server is busy');
  return err;
}

/**
 * Whether a failure says the database is away for the moment (restarting, shutting down, a failover
 * under way, a pooler between server logins, full) rather than that something is wrong (a bad
 * password, a missing database, a changed migration): what the start-up waits out.
 */
export function isDatabaseAway(err: unknown): boolean {
  return err instanceof DatabaseUnavailableError || unavailableFor(err) instanceof DatabaseUnavailableError;
}
