import 'server-only';
import type { Db } from '../db';
import { AppError } from '../errors';
import { findCaller, type Caller } from './caller';
import { decodeSessionToken } from './token-cache';

export const SESSION_COOKIE = 'next-auth.session-token';

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const signedOut = (details: string) => new AppError('unauthorized', 'Unauthorized - Please sign in', details);

/**
 * The signed-in caller, read fresh from the database on every request: the token only says who
 * signed in, never what they may do, so a role change or deactivation applies at once.
 */
export async function authenticate(db: Db, sessionSecret: string, cookieHeader: string | null): Promise<Caller> {
  const token = readCookie(cookieHeader, SESSION_COOKIE);
  if (!token) throw signedOut('No session: sign in first');
  const claims = await decodeSessionToken(token, sessionSecret);
  const id = Number(claims?.sub);
  if (!Number.isSafeInteger(id) || id <= 0) throw signedOut('Session is invalid or has expired: sign in again');
  const caller = await findCaller(db, id);
  if (!caller) throw signedOut('Session is invalid or has expired: sign in again');
  if (!caller.active) throw signedOut('Your account has been deactivated');
  if (caller.customerId !== null && caller.customerStatus !== 'active') {
    throw signedOut('Your customer account has been deactivated');
  }
  return caller;
}
