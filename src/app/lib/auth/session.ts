import { decode } from 'next-auth/jwt';
import { AppError } from '../errors';
import { findSessionUser, type SessionUser } from '../users';
import { app } from '../startup';

export const SESSION_COOKIE = 'next-auth.session-token';

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const signedOut = (details: string) => new AppError('unauthorized', 'Unauthorized - Please sign in', details);

/**
 * The signed-in user, read fresh from the database on every request: the token only says who
 * signed in, never what they may do, so a role change or deactivation applies at once.
 */
export async function requireUser(req: Request): Promise<SessionUser> {
  const token = readCookie(req.headers.get('cookie'), SESSION_COOKIE);
  if (!token) throw signedOut('No session: sign in first');
  const { db, sessionSecret } = await app();
  const claims = await decode({ token, secret: sessionSecret }).catch(() => null);
  const id = Number(claims?.sub);
  if (!Number.isSafeInteger(id) || id <= 0) throw signedOut('Session is invalid or has expired: sign in again');
  const user = await findSessionUser(db, id);
  if (!user) throw signedOut('Session is invalid or has expired: sign in again');
  if (!user.active) throw signedOut('Your account has been deactivated');
  if (user.customerId !== null && user.customerStatus !== 'active') {
    throw signedOut('Your customer account has been deactivated');
  }
  return user;
}
