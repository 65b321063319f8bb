import 'server-only';
import NextAuth from 'next-auth';
import { app } from '../app';
import { assertLoginAllowed, recordLoginFailure, recordLoginSuccess } from '../auth/login-throttle';
import { authOptions } from '../auth/options';
import { SESSION_COOKIE } from '../auth/session';
import { AppError } from '../errors';
import { errorResponse } from './respond';

type Ctx = { params: Promise<{ nextauth: string[] }> };

async function handle(req: Request, ctx: Ctx): Promise<Response> {
  const { db, sessionSecret } = await app();
  return NextAuth(authOptions(db, sessionSecret))(req, ctx);
}

// The last X-Forwarded-For entry is the address our nearest proxy (or Next itself) saw.
function clientAddress(req: Request): string {
  return req.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim() || 'unknown';
}

/**
 * The username the attempt is for, or null when the form repeats a credential field: NextAuth would
 * use the last value and the throttle must never count a different one.
 */
async function submittedUsername(req: Request): Promise<string | null> {
  try {
    const type = req.headers.get('content-type') ?? '';
    if (type.includes('application/json')) return String((await req.clone().json())?.username ?? '');
    const form = await req.clone().formData();
    if (form.getAll('username').length > 1 || form.getAll('password').length > 1) return null;
    return String(form.get('username') ?? '');
  } catch {
    return '';
  }
}

/** NextAuth's own routes (/api/auth/*): sessions, CSRF token, sign-in and sign-out. */
export const nextAuthGet = handle;

/** Sign-in attempts pass the login throttle first; a response without a session cookie is a failure. */
export async function nextAuthPost(req: Request, ctx: Ctx): Promise<Response> {
  const { nextauth } = await ctx.params;
  if (nextauth.join('/') !== 'callback/credentials') return handle(req, ctx);
  const username = await submittedUsername(req);
  if (username === null) {
    return errorResponse(new AppError('bad_request', 'Malformed sign-in', 'Send username and password once each'));
  }
  const address = clientAddress(req);
  try {
    await assertLoginAllowed(username, address);
  } catch (err) {
    return errorResponse(err);
  }
  const res = await handle(req, ctx);
  const signedIn = res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`) && !c.startsWith(`${SESSION_COOKIE}=;`));
  if (signedIn) await recordLoginSuccess(username);
  else await recordLoginFailure(username, address);
  return res;
}
