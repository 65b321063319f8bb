import 'server-only';

const AWAY_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Whether an error says the database is away for the moment (restarting, shutting down, a pooler
 * between server logins) rather than that something is wrong: SQLSTATE class 08 (connection
 * exception, pgbouncer's "server login has been failing" among them), 57P01–57P03 (shutdown, cannot
 * connect now), a refused or dropped socket, or node-postgres's own connection messages.
 */
export function isDatabaseAway(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || /^57P0[123]$/.test(code) || AWAY_NODE_CODES.has(code)) return true;
  return typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect/.test(e.message);
}
