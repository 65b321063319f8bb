import 'server-only';
/**
 * libpq multi-host URIs for node-postgres.
 *
 * pg_auto_failover (and libpq in general) hands out URIs such as
 *   postgres://10.0.0.1:5432,10.0.0.2:5432/app?target_session_attrs=read-write&sslmode=require
 * node-postgres 8.x cannot use them: its connection-string parser throws "Invalid URL" on the host
 * list, and it has no target_session_attrs. These helpers parse such a URI and pick the host that
 * matches target_session_attrs the way libpq does (connect, then ask the server), returning a
 * single-host connection string that `new pg.Pool({ connectionString })` accepts.
 */
import pg from 'pg';

export interface HostPort {
  host: string;
  port: number;
}

export const TARGET_SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export interface MultiHostUri {
  hosts: HostPort[];
  user?: string;
  password?: string;
  database?: string;
  targetSessionAttrs: TargetSessionAttrs;
  /** Every other query parameter (sslmode, connect_timeout, application_name…), kept for each host. */
  params: Record<string, string>;
}

const DEFAULT_PORT = 5432;
const URI = /^(postgres(?:ql)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/;

export function isMultiHostUri(uri: string): boolean {
  const m = URI.exec(uri);
  if (!m) return false;
  const params = new URLSearchParams(m[5] ?? '');
  return (m[3] ?? '').includes(',') || (params.get('host') ?? '').includes(',');
}

function splitHostPort(entry: string): { host: string; port?: string } {
  // [v6addr]:port, [v6addr], host:port, host
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(entry);
  if (v6) return { host: v6[1]!, port: v6[2] || undefined };
  const i = entry.lastIndexOf(':');
  return i < 0 ? { host: entry } : { host: entry.slice(0, i), port: entry.slice(i + 1) || undefined };
}

function toPort(text: string | undefined, uri: string): number {
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Invalid port "${text}" in ${redact(uri)}`);
  return port;
}

/** The URI with its password masked, for error messages. */
export function redact(uri: string): string {
  return uri.replace(/(:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

export function parseMultiHostUri(uri: string): MultiHostUri {
  const m = URI.exec(uri);
  if (!m) throw new Error(`Not a postgres:// URI: ${redact(uri)}`);
  const [, , userinfo, authority = '', dbPath, query] = m;
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query ?? '')) params[k] = v;

  // As in libpq, host= and port= query parameters (comma-separated lists too) win over the authority.
  const hostList = (params.host ?? decodeURIComponent(authority)).split(',');
  const portList = params.port?.split(',');
  delete params.host;
  delete params.port;
  if (portList && portList.length !== 1 && portList.length !== hostList.length) {
    throw new Error(`${redact(uri)}: ${portList.length} ports for ${hostList.length} hosts`);
  }
  const hosts = hostList.map((entry, i) => {
    const { host, port } = splitHostPort(entry.trim());
    if (!host) throw new Error(`Empty host in ${redact(uri)} (Unix sockets are not supported here)`);
    return { host, port: toPort(port ?? portList?.[portList.length === 1 ? 0 : i], uri) };
  });

  const tsa = params.target_session_attrs ?? 'any';
  delete params.target_session_attrs;
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(tsa)) {
    throw new Error(`Unsupported target_session_attrs=${tsa} in ${redact(uri)}`);
  }

  const [user, password] = userinfo === undefined ? [] : splitOnce(userinfo, ':');
  return {
    hosts,
    user: user ? decodeURIComponent(user) : undefined,
    password: password !== undefined ? decodeURIComponent(password) : undefined,
    database: dbPath ? decodeURIComponent(dbPath) : undefined,
    targetSessionAttrs: tsa as TargetSessionAttrs,
    params,
  };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * A single-host URI for node-postgres. The sslmode keeps its libpq meaning (uselibpqcompat=true):
 * node-postgres on its own reads sslmode=require as verify-full, which rejects the self-signed
 * certificates pg_auto_failover sets up, where libpq would only encrypt.
 */
export function singleHostUri(parsed: MultiHostUri, host: HostPort, paramOverrides: Record<string, string> = {}): string {
  const auth =
    parsed.user === undefined
      ? ''
      : encodeURIComponent(parsed.user) + (parsed.password === undefined ? '' : `:${encodeURIComponent(parsed.password)}`) + '@';
  const hostText = host.host.includes(':') ? `[${host.host}]` : host.host;
  const params = { ...parsed.params, ...paramOverrides };
  // pg has no "allow" (try plain first, then TLS); plain is what libpq tries first.
  if (params.sslmode === 'allow') params.sslmode = 'disable';
  if (params.sslmode && params.uselibpqcompat === undefined) params.uselibpqcompat = 'true';
  const query = new URLSearchParams(params).toString();
  const db = parsed.database === undefined ? '' : encodeURIComponent(parsed.database);
  return `postgres://${auth}${hostText}:${host.port}/${db}${query ? `?${query}` : ''}`;
}

interface HostRole {
  inRecovery: boolean;
  readOnly: boolean;
}

async function askRole(connectionString: string, timeoutMs: number): Promise<HostRole> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {}); // the server may go away mid-probe; the awaited calls report it
  try {
    await client.connect();
    // transaction_read_only is what libpq's read-write check reads: pg_auto_failover makes a standby
    // it is promoting read-only this way before it is allowed to take writes.
    const { rows } = await client.query<{ recovery: boolean; ro: string }>(
      "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS ro",
    );
    return { inRecovery: rows[0]!.recovery, readOnly: rows[0]!.ro === 'on' };
  } finally {
    await client.end().catch(() => {});
  }
}

/** libpq's sslmode=prefer falls back to plain text when the server has no TLS; pg cannot, so retry here. */
async function probe(parsed: MultiHostUri, host: HostPort, timeoutMs: number): Promise<{ role: HostRole; connectionString: string }> {
  const connectionString = singleHostUri(parsed, host);
  try {
    return { role: await askRole(connectionString, timeoutMs), connectionString };
  } catch (err) {
    if (parsed.params.sslmode !== 'prefer' || !/does not support SSL/i.test((err as Error).message)) throw err;
    const plain = singleHostUri(parsed, host, { sslmode: 'disable' });
    return { role: await askRole(plain, timeoutMs), connectionString: plain };
  }
}

function matches(attrs: TargetSessionAttrs, role: HostRole): boolean {
  switch (attrs) {
    case 'any':
      return true;
    case 'read-write':
      return !role.readOnly;
    case 'read-only':
      return role.readOnly;
    case 'primary':
      return !role.inRecovery;
    case 'standby':
    case 'prefer-standby':
      return role.inRecovery;
  }
}

/** What one host answered when findHost probed it. */
export interface HostAttempt {
  host: HostPort;
  outcome: 'unreachable' | 'primary' | 'standby';
  readOnly?: boolean;
  /** The driver's error, for unreachable hosts. */
  error?: string;
}

const describeAttempt = (a: HostAttempt) =>
  `${a.host.host}:${a.host.port}: ${a.outcome === 'unreachable' ? a.error : `${a.outcome}${a.readOnly ? ', read-only' : ''}`}`;

/** No host satisfied target_session_attrs; `attempts` says what each one was. */
export class NoMatchingHostError extends Error {
  constructor(
    readonly targetSessionAttrs: TargetSessionAttrs,
    readonly attempts: HostAttempt[],
  ) {
    super(`No host matches target_session_attrs=${targetSessionAttrs} (${attempts.map(describeAttempt).join('; ')})`);
    this.name = 'NoMatchingHostError';
  }
}

/**
 * Tries the URI's hosts in order and returns the first that satisfies its target_session_attrs
 * (`defaultAttrs` when the URI names none), as a single-host connection string for node-postgres.
 * Throws a NoMatchingHostError naming every host and why it was passed over when none does.
 * Single-host URIs work too.
 */
export async function findHost(
  uri: string,
  opts: { connectTimeoutMs?: number; defaultAttrs?: TargetSessionAttrs } = {},
): Promise<{ host: HostPort; connectionString: string }> {
  const parsed = parseMultiHostUri(uri);
  const attrs = /[?&]target_session_attrs=/.test(uri) ? parsed.targetSessionAttrs : (opts.defaultAttrs ?? parsed.targetSessionAttrs);
  const timeoutMs = opts.connectTimeoutMs ?? (Number(parsed.params.connect_timeout) * 1000 || 5_000);
  const attempts: HostAttempt[] = [];
  let fallback: { host: HostPort; connectionString: string } | undefined;
  for (const host of parsed.hosts) {
    try {
      const { role, connectionString } = await probe(parsed, host, timeoutMs);
      if (matches(attrs, role)) return { host, connectionString };
      fallback ??= { host, connectionString };
      attempts.push({ host, outcome: role.inRecovery ? 'standby' : 'primary', readOnly: role.readOnly });
    } catch (err) {
      attempts.push({ host, outcome: 'unreachable', error: (err as Error).message });
    }
  }
  // prefer-standby: any server will do when no standby answers.
  if (attrs === 'prefer-standby' && fallback) return fallback;
  throw new NoMatchingHostError(attrs, attempts);
}
