import 'server-only';
import NextAuth from 'next-auth';
import { cookies } from 'next/headers';
import { NextRequest } from 'next/server';
import { app } from '../app';
import { secretsOf } from '../auth/keys';
import { rateLimited } from '../auth/login-throttle';
import { authOptions, type AuthRequest } from '../auth/options';
import type { SignInOutcome } from '../auth/sign-in';
import { AppError } from '../errors';
import { assertStorableText } from '../text';
import { parseJsonText, readText } from './body';
import { clientOf } from './client-address';
import { errorResponse } from './respond';

/**
 * NextAuth's routes (/api/auth/*), behind a front door of their own: only the routes this app uses
 * are served, every body is read and checked here first (size, type, shape), and NextAuth's own
 * failure answers become the API's `{ error, details, code }` (a bad request is a 4xx, never a
 * 500 from deep inside NextAuth). Sign-in attempts go through the sign-in limits in authorize().
 */
type Ctx = { params: Promise<{ nextauth: string[] }> };

const GET_ROUTES = new Set(['csrf', 'session', 'providers', 'signin', 'signout', 'error']);
const POST_ROUTES = new Set(['callback/credentials', 'signout']);
/** Fields NextAuth reads one value of: sent twice, the limiter and NextAuth could read different ones. */
const SINGLE_FIELDS = ['username', 'password', 'totp', 'csrfToken', 'callbackUrl', 'json'];

function notServed(method: string, path: string): AppError {
  const allow = GET_ROUTES.has(path) ? 'GET' : POST_ROUTES.has(path) ? 'POST' : null;
  if (allow) {
    const hint = path === 'callback/credentials' ? ': sign in with a form POST (see the README)' : '';
    return new AppError('method_not_allowed', 'Method not allowed', `${method} /api/auth/${path} is not supported; use ${allow}${hint}`, { Allow: allow });
  }
  return new AppError('not_found', 'Not found', `There is no sign-in route /api/auth/${path}`);
}

/** The form NextAuth will see, as flat strings; anything else is refused before NextAuth parses it. */
function formOf(req: Request, text: string): Record<string, string> {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(text);
    for (const f of SINGLE_FIELDS) {
      if (params.getAll(f).length > 1) throw new AppError('bad_request', 'Malformed sign-in', `Send ${f} once`);
    }
    const form = Object.fromEntries(params);
    assertStorableText(form);
    return form;
  }
  if (type === 'application/json') {
    const value = text.trim() === '' ? {} : parseJsonText(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AppError('bad_request', 'Malformed sign-in', 'Send a JSON object of strings');
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw new AppError('bad_request', 'Malformed sign-in', { [k]: 'Must be a string' });
    }
    return value as Record<string, string>;
  }
  throw new AppError('unsupported_media_type', 'Unsupported Content-Type', 'Send application/x-www-form-urlencoded (or application/json)');
}

const CSRF_FAILED = new AppError(
  'forbidden',
  'Invalid CSRF token',
  'Fetch GET /api/auth/csrf and send its csrfToken with the cookie it sets',
);

const FAILED: Record<Exclude<SignInOutcome['kind'], 'signed_in' | 'rate_limited'>, AppError> = {
  invalid: new AppError('invalid_credentials', 'Invalid username or password', 'Check the username and password and try again'),
  totp_required: new AppError('totp_required', 'Two-factor code required', 'Enter the 6-digit code from your authenticator app, or a recovery code (field totp)'),
  totp_invalid: new AppError('totp_invalid', 'Invalid two-factor code', 'The code is wrong or was already used: enter the current code, or a recovery code'),
};

/** Where NextAuth sent the client: the Location header, or the `url` of its JSON answer. */
async function destination(res: Response): Promise<string> {
  const location = res.headers.get('location');
  if (location) return location;
  if (!(res.headers.get('content-type') ?? '').includes('application/json')) return '';
  const body = (await res.clone().json().catch(() => null)) as { url?: unknown } | null;
  return typeof body?.url === 'string' ? body.url : '';
}

/** NextAuth's own test for a callback URL; one it fails makes NextAuth answer 500 ("configuration"). */
function callbackUrlOk(url: string): boolean {
  try {
    return /^https?:$/.test(new URL(url, url.startsWith('/') ? 'http://same-site.invalid' : undefined).protocol);
  } catch {
    return false;
  }
}

/**
 * A callbackUrl NextAuth would choke on: in the query it is the client's mistake (400); in
 * NextAuth's cookie it is dropped (the answer clears it), since the client can't see why.
 */
async function checkCallbackUrls(req: Request): Promise<void> {
  const fromQuery = new URL(req.url).searchParams.getAll('callbackUrl');
  // Sent twice, NextAuth gets an array where it expects a string and answers 500.
  if (fromQuery.length > 1) throw new AppError('bad_request', 'Invalid callbackUrl', 'Send callbackUrl once');
  if (fromQuery.length === 1 && !callbackUrlOk(fromQuery[0]!)) {
    throw new AppError('bad_request', 'Invalid callbackUrl', 'callbackUrl must be a path on this site, e.g. /admin');
  }
  const jar = await cookies();
  for (const name of ['next-auth.callback-url', '__Secure-next-auth.callback-url']) {
    const value = jar.get(name)?.value;
    if (value && !callbackUrlOk(value)) jar.delete(name);
  }
}

async function serve(req: Request, ctx: Ctx, form: Record<string, string> | null): Promise<Response> {
  await checkCallbackUrls(req);
  const { db, sessionSecret } = await app();
  const request: AuthRequest = { client: clientOf(req.headers), cookieHeader: req.headers.get('cookie') };
  // NextAuth gets the checked form again, always form-encoded (it would parse JSON bodies itself).
  const headers = new Headers(req.headers);
  headers.set('content-type', 'application/x-www-form-urlencoded');
  const forwarded = form === null ? req : new NextRequest(req.url, { method: req.method, headers, body: new URLSearchParams(form).toString() });
  const res: Response = await NextAuth(authOptions(db, secretsOf(sessionSecret), request))(forwarded, ctx);
  if (form === null) return res;

  if (request.outcome?.kind === 'rate_limited') return errorResponse(rateLimited(request.outcome.retryAfterSeconds));
  if (/[?&]csrf=true/.test(await destination(res))) return errorResponse(CSRF_FAILED);
  if (request.outcome?.kind === 'signed_in') {
    res.headers.append('Set-Cookie', request.outcome.deviceCookie);
    return res;
  }
  // A browser script asked for JSON: it gets the reason in the API's error shape. A plain form
  // post keeps NextAuth's redirect to the login page (?error=CredentialsSignin|TotpRequired|TotpInvalid).
  if (form.json === 'true' && request.outcome && request.outcome.kind in FAILED) {
    const failed = errorResponse(FAILED[request.outcome.kind as keyof typeof FAILED]);
    for (const cookie of res.headers.getSetCookie()) failed.headers.append('Set-Cookie', cookie);
    return failed;
  }
  return res;
}

const pathOf = async (ctx: Ctx) => ((await ctx.params).nextauth ?? []).join('/');

export async function nextAuthGet(req: Request, ctx: Ctx): Promise<Response> {
  try {
    const path = await pathOf(ctx);
    if (!GET_ROUTES.has(path)) throw notServed('GET', path);
    if (path === 'error') {
      // NextAuth would copy ?error= into a Location header unescaped.
      const error = new URL(req.url).searchParams.get('error') ?? '';
      return new Response(null, { status: 302, headers: { Location: `/login?error=${/^[A-Za-z]{1,40}$/.test(error) ? error : 'Default'}` } });
    }
    return await serve(req, ctx, null);
  } catch (err) {
    return errorResponse(err);
  }
}

export async function nextAuthPost(req: Request, ctx: Ctx): Promise<Response> {
  try {
    const path = await pathOf(ctx);
    if (!POST_ROUTES.has(path)) throw notServed('POST', path);
    return await serve(req, ctx, formOf(req, await readText(req)));
  } catch (err) {
    return errorResponse(err);
  }
}
