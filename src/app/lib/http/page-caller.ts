import 'server-only';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { app } from '../app';
import type { Caller } from '../auth/caller';
import { secretsOf } from '../auth/keys';
import { authenticate } from '../auth/session';
import { mustEnrol } from '../auth/two-factor';
import { AppError } from '../errors';
import { clientOf } from './client-address';

export const ENROLMENT_PAGE = '/account/security';

/**
 * The signed-in caller for a server-rendered page, or a redirect to /login that comes back to
 * `path`. Same rules as the API: the caller is re-read from the database, and a role that must
 * enrol in two-factor sign-in is sent to the enrolment page first.
 */
export async function pageCaller(path: string): Promise<Caller> {
  const { db, sessionSecret } = await app();
  let caller: Caller;
  try {
    caller = await authenticate(db, secretsOf(sessionSecret), (await cookies()).toString(), clientOf(await headers()));
  } catch (err) {
    if (err instanceof AppError && err.status === 401) redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
    throw err;
  }
  if (path !== ENROLMENT_PAGE && mustEnrol(caller)) redirect(`${ENROLMENT_PAGE}?required=1`);
  return caller;
}

/**
 * The signed-in caller or null, never a redirect: for pages every visitor may see (not-found),
 * which keep the header for those signed in.
 */
export async function pageCallerOrNull(): Promise<Caller | null> {
  const { db, sessionSecret } = await app();
  try {
    return await authenticate(db, secretsOf(sessionSecret), (await cookies()).toString(), clientOf(await headers()));
  } catch (err) {
    if (err instanceof AppError && err.status === 401) return null;
    throw err;
  }
}
