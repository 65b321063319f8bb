import 'server-only';
import crypto from 'node:crypto';
import { recordAudit } from '../audit';
import { config } from '../config';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { AppError, notFound } from '../errors';
import type { Caller, ClientInfo } from './caller';
import { decodeSessionTokenCached } from './token-cache';
import type { Role } from './roles';

/**
 * Server-side sessions. The cookie is NextAuth's encrypted JWT; it names the user (`sub`) and
 * carries a random session secret (`sid`) whose SHA-256 is a row of `sessions`. `authenticate`
 * believes a cookie only while that row is live: not ended, younger than SESSION_MAX_AGE_SECONDS
 * and used within SESSION_IDLE_SECONDS. Ending the row ends the session everywhere at once.
 */

/** The guide's cookie, over HTTP; over HTTPS the browser's is `__Host-` prefixed (no subdomain can set or shadow it). */
export const SESSION_COOKIE = 'next-auth.session-token';
export const HOST_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

export const servedOverHttps = () => config.nextAuthUrl?.startsWith('https://') ?? false;
export const sessionCookieName = () => (servedOverHttps() ? HOST_SESSION_COOKIE : SESSION_COOKIE);

export type EndReason = 'signed_out' | 'revoked' | 'password_changed' | 'role_changed' | 'deactivated';

/**
 * last_seen_at is written at most once a minute (a quarter of the idle timeout, if that is
 * shorter): one indexed read per request, and a write only now and then.
 */
const lastSeenResolution = () => Math.min(60, config.session.idleSeconds / 4);

const hashOf = (secret: string) => crypto.createHash('sha256').update(secret).digest();

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The session cookie of a request: the `__Host-` one when present, else the guide's plain one
 * (API clients following the guide send that name, over HTTPS too; browsers only ever get the
 * prefixed one from us there, and a shadowing cookie never wins over it).
 */
export function sessionTokenOf(cookieHeader: string | null): string | undefined {
  return readCookie(cookieHeader, HOST_SESSION_COOKIE) ?? readCookie(cookieHeader, SESSION_COOKIE);
}

/** Starts a session for a user who just proved who they are; returns the secret the cookie carries. */
export async function createSession(tx: Queryable, userId: number, client: ClientInfo): Promise<{ id: number; secret: string }> {
  const secret = crypto.randomBytes(32).toString('base64url');
  const { rows } = await tx.query<{ id: number }>(
    'INSERT INTO sessions (user_id, token_hash, address, user_agent) VALUES ($1, $2, $3, $4) RETURNING id',
    [userId, hashOf(secret), client.address, client.userAgent],
  );
  return { id: Number(rows[0]!.id), secret };
}

const signedOut = (details: string) => new AppError('unauthorized', 'Unauthorized - Please sign in', details);
const INVALID = 'Session is invalid or has expired: sign in again';

const ENDED: Record<EndReason, string> = {
  signed_out: 'You signed out: sign in again',
  revoked: 'This session was ended: sign in again',
  password_changed: 'Your password was changed: sign in again',
  role_changed: 'Your role was changed: sign in again',
  deactivated: 'Your account has been deactivated',
};

interface SessionRow {
  session_id: number;
  user_id: number;
  end_reason: EndReason | null;
  expired: boolean;
  idle: boolean;
  stale: boolean;
  username: string;
  role: Role;
  customer_id: number | null;
  customer_name: string | null;
  customer_status: string | null;
  active: boolean;
  two_factor: boolean;
}

type Claims = { sid?: unknown; sub?: unknown } | null;

/** The session a cookie's claims name, with its user, in one query on the token hash's unique index. */
async function sessionOf(db: Queryable, claims: Claims): Promise<SessionRow | null> {
  if (typeof claims?.sid !== 'string' || typeof claims.sub !== 'string') return null;
  const { maxAgeSeconds, idleSeconds } = config.session;
  const { rows } = await db.query<SessionRow>(
    `SELECT s.id AS session_id, s.user_id, s.end_reason,
            s.created_at <= now() - make_interval(secs => $2) AS expired,
            s.last_seen_at <= now() - make_interval(secs => $3) AS idle,
            s.last_seen_at <= now() - make_interval(secs => $4) AS stale,
            u.username, u.role, u.customer_id, c.name AS customer_name, c.status AS customer_status, u.active,
            t.enabled_at IS NOT NULL AS two_factor
       FROM sessions s
       JOIN users u ON u.id = s.user_id
       LEFT JOIN customers c ON c.id = u.customer_id
       LEFT JOIN user_two_factor t ON t.user_id = u.id
      WHERE s.token_hash = $1`,
    [hashOf(claims.sid), maxAgeSeconds, idleSeconds, lastSeenResolution()],
  );
  const row = rows[0];
  return row && String(row.user_id) === claims.sub ? row : null;
}

/**
 * The signed-in caller, read fresh from the database on every request: the token only says which
 * session this is, never what its holder may do, so role changes and deactivation apply at once.
 */
export async function authenticate(db: Db, secrets: string[], cookieHeader: string | null, client: ClientInfo): Promise<Caller> {
  const token = sessionTokenOf(cookieHeader);
  if (!token) throw signedOut('No session: sign in first');
  const s = await sessionOf(db, await decodeSessionTokenCached(token, secrets));
  if (!s) throw signedOut(INVALID);
  if (s.end_reason) throw signedOut(ENDED[s.end_reason]);
  if (s.expired) throw signedOut(`Sessions last at most ${Math.round(config.session.maxAgeSeconds / 60)} minutes: sign in again`);
  if (s.idle) throw signedOut(`Signed out after ${Math.round(config.session.idleSeconds / 60)} minutes without activity: sign in again`);
  if (!s.active) throw signedOut('Your account has been deactivated');
  if (s.customer_id !== null && s.customer_status !== 'active') throw signedOut('Your customer account has been deactivated');
  if (s.stale) await db.query('UPDATE sessions SET last_seen_at = now() WHERE id = $1 AND ended_at IS NULL', [s.session_id]);
  return {
    id: s.user_id,
    username: s.username,
    role: s.role,
    customerId: s.customer_id,
    customerName: s.customer_name,
    customerStatus: s.customer_status,
    active: s.active,
    twoFactor: s.two_factor,
    sessionId: Number(s.session_id),
    client,
    apiKey: null,
  };
}

/** Whether a cookie's claims still name a live session (NextAuth's own /api/auth/session asks). */
export async function isLiveSession(db: Queryable, claims: Claims): Promise<boolean> {
  const s = await sessionOf(db, claims);
  return !!s && !s.end_reason && !s.expired && !s.idle && s.active;
}

/** Sign-out: ends the session of this cookie (if it is live) and records it. */
export async function signOutSession(db: Db, sid: string, client: ClientInfo): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; user_id: number; username: string; customer_id: number | null }>(
      `UPDATE sessions s SET ended_at = now(), end_reason = 'signed_out'
         FROM users u
        WHERE u.id = s.user_id AND s.token_hash = $1 AND s.ended_at IS NULL
        RETURNING s.id, s.user_id, u.username, u.customer_id`,
      [hashOf(sid)],
    );
    const ended = rows[0];
    if (!ended) return;
    await recordAudit(tx, {
      action: 'auth.sign_out',
      actor: { id: ended.user_id, username: ended.username },
      customerId: ended.customer_id,
      target: { type: 'session', id: Number(ended.id) },
      client,
    });
  });
}

/** Ends every live session of a user (but `except`), in the caller's transaction; returns how many. */
export async function endUserSessions(tx: Queryable, userId: number, reason: EndReason, except: number | null = null): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE sessions SET ended_at = now(), end_reason = $2
      WHERE user_id = $1 AND ended_at IS NULL AND id IS DISTINCT FROM $3`,
    [userId, reason, except],
  );
  return rowCount;
}

export interface SessionDto {
  id: number;
  createdAt: string;
  lastSeenAt: string;
  /** When the session ends at the latest (absolute lifetime), and when it ends unless used again. */
  expiresAt: string;
  idleExpiresAt: string;
  address: string | null;
  userAgent: string | null;
  current: boolean;
}

interface SessionListRow {
  id: number;
  created_at: Date;
  last_seen_at: Date;
  address: string | null;
  user_agent: string | null;
}

/** The caller's live sessions, newest first. */
export function listSessions(db: Queryable, caller: Pick<Caller, 'id' | 'sessionId'>, q: { page?: number; pageSize?: number }): Promise<Page<SessionDto>> {
  const { maxAgeSeconds, idleSeconds } = config.session;
  const where = new Conditions()
    .add('user_id = ?', caller.id)
    .add('ended_at IS NULL AND created_at > now() - make_interval(secs => ?)', maxAgeSeconds)
    .add('last_seen_at > now() - make_interval(secs => ?)', idleSeconds);
  return listPage(db, q, {
    where,
    countFrom: 'FROM sessions',
    exactCount: true,
    select: (limit, offset) =>
      `SELECT id, created_at, last_seen_at, address, user_agent FROM sessions ${where.sql} ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`,
    map: (r: SessionListRow) => {
      const expires = r.created_at.getTime() + maxAgeSeconds * 1000;
      return {
        id: Number(r.id),
        createdAt: r.created_at.toISOString(),
        lastSeenAt: r.last_seen_at.toISOString(),
        expiresAt: new Date(expires).toISOString(),
        idleExpiresAt: new Date(Math.min(expires, r.last_seen_at.getTime() + idleSeconds * 1000)).toISOString(),
        address: r.address,
        userAgent: r.user_agent,
        current: Number(r.id) === caller.sessionId,
      };
    },
  });
}

type SessionOwner = Pick<Caller, 'id' | 'username' | 'customerId' | 'sessionId' | 'client'>;

/** Ends one of the caller's own sessions (this one too: that is signing out here). */
export async function revokeSession(db: Db, caller: SessionOwner, id: number): Promise<{ ended: number; current: boolean }> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE sessions SET ended_at = now(), end_reason = 'revoked' WHERE id = $1 AND user_id = $2 AND ended_at IS NULL`,
      [id, caller.id],
    );
    if (rowCount === 0) throw notFound('Session', `You have no active session with ID ${id}`);
    await recordAudit(tx, {
      action: 'session.revoked',
      actor: caller,
      customerId: caller.customerId,
      target: { type: 'session', id },
      after: { current: id === caller.sessionId },
    });
    return { ended: id, current: id === caller.sessionId };
  });
}

/** Ends every session of the caller's but the one making the request. */
export async function revokeOtherSessions(db: Db, caller: SessionOwner): Promise<{ ended: number }> {
  return db.transaction(async (tx) => {
    const ended = await endUserSessions(tx, caller.id, 'revoked', caller.sessionId);
    await recordAudit(tx, {
      action: 'session.revoked',
      actor: caller,
      customerId: caller.customerId,
      after: { sessionsEnded: ended, allButCurrent: true },
    });
    return { ended };
  });
}

/** Deletes sessions that ended or lapsed long ago (the audit log keeps their sign-ins and sign-outs). */
export async function pruneSessions(db: Queryable, keepDays = 30): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM sessions WHERE last_seen_at < now() - make_interval(days => $1)
        OR (ended_at IS NOT NULL AND ended_at < now() - make_interval(days => $1))`,
    [keepDays],
  );
  return rowCount;
}

