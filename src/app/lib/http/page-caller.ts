import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { app } from '../app';
import type { Caller } from '../auth/caller';
import { authenticate } from '../auth/session';
import { AppError } from '../errors';

/**
 * The signed-in caller for a server-rendered page, or a redirect to /login that comes back to
 * `path`. Same rules as the API: the caller is re-read from the database.
 */
export async function pageCaller(path: string): Promise<Caller> {
  const { db, sessionSecret } = await app();
  try {
    return await authenticate(db, sessionSecret, (await cookies()).toString());
  } catch (err) {
    if (err instanceof AppError && err.status === 401) redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
    throw err;
  }
}
