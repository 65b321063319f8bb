import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { AppError } from '../errors';
import type { SessionUser } from '../users';
import { requireUser } from './session';

/**
 * The signed-in user for a server-rendered page, or a redirect to /login that comes back to `path`.
 * Same rules as the API: the user is re-read from the database.
 */
export async function pageUser(path: string): Promise<SessionUser> {
  const cookieHeader = (await cookies()).toString();
  const req = new Request('http://internal/', { headers: { cookie: cookieHeader, host: (await headers()).get('host') ?? '' } });
  try {
    return await requireUser(req);
  } catch (err) {
    if (err instanceof AppError && err.status === 401) redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
    throw err;
  }
}
