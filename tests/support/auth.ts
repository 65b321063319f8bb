/**
 * Helpers for the sign-in, session, two-factor and audit suites: the credentials flow with every
 * knob (extra fields, JSON answers, cookies sent along), and TOTP codes as an authenticator makes them.
 */
import { generate } from 'otplib';
import { ApiClient } from './http-client';

export interface Attempt {
  res: Response;
  status: number;
  /** The session cookie's value, if one was set. */
  sessionToken: string | undefined;
  /** The whole Set-Cookie line of the device cookie, if one was set. */
  deviceCookie: string | undefined;
  body: string;
  json: any;
}

export interface AttemptOptions {
  totp?: string;
  /** Extra request headers (X-Forwarded-For, a Cookie line for the device cookie, …). */
  headers?: Record<string, string>;
  /** Ask for NextAuth's JSON answer (what the login page does). */
  json?: boolean;
  /** Skip the CSRF token (its form field and its cookie). */
  noCsrf?: boolean;
}

const cookiePair = (setCookie: string) => setCookie.split(';')[0]!;

/** One sign-in through NextAuth's credentials flow against `base`. */
export async function attempt(base: string, username: string, password: string, opts: AttemptOptions = {}): Promise<Attempt> {
  return (await prepare(base, username, password, opts))();
}

/**
 * An attempt with its CSRF token already fetched, ready to fire: a burst of prepared attempts
 * reaches the server within milliseconds, well inside one window of the test server's limits.
 */
export async function prepare(base: string, username: string, password: string, opts: AttemptOptions = {}): Promise<() => Promise<Attempt>> {
  const extra = opts.headers ?? {};
  const form = new URLSearchParams({ username, password });
  if (opts.totp !== undefined) form.set('totp', opts.totp);
  if (opts.json) form.set('json', 'true');
  const cookies: string[] = [];
  if (!opts.noCsrf) {
    const csrf = await fetch(`${base}/api/auth/csrf`, { headers: extra });
    form.set('csrfToken', ((await csrf.json()) as { csrfToken: string }).csrfToken);
    cookies.push(...csrf.headers.getSetCookie().map(cookiePair));
  }
  if (extra.cookie) cookies.push(extra.cookie);
  return () => send(base, form, { ...extra, cookie: cookies.join('; ') });
}

/** Many attempts at once: all prepared first, then fired together. */
export async function burst(n: number, make: (i: number) => Promise<() => Promise<Attempt>>): Promise<Attempt[]> {
  const fire = await Promise.all(Array.from({ length: n }, (_, i) => make(i)));
  return Promise.all(fire.map((f) => f()));
}

/**
 * Fires `first` together and, a moment later, `then`: each attempt is paid for on arrival, before
 * its (slow) password check, so `then` meets the budgets `first` spent, long before the test
 * server's short window can end, however long the queued password checks take.
 */
export async function burstThen(first: Array<() => Promise<Attempt>>, then: Array<() => Promise<Attempt>>, gapMs = 1_000): Promise<[Attempt[], Attempt[]]> {
  const a = Promise.all(first.map((f) => f()));
  await new Promise((r) => setTimeout(r, gapMs));
  const b = Promise.all(then.map((f) => f()));
  return [await a, await b];
}

/** Fires `first` together, and `then` together once all of `first` have been answered. */
export async function inTurn(first: Array<() => Promise<Attempt>>, then: Array<() => Promise<Attempt>>): Promise<[Attempt[], Attempt[]]> {
  const a = await Promise.all(first.map((f) => f()));
  return [a, await Promise.all(then.map((f) => f()))];
}

/** `n` prepared attempts. */
export const prepared = (n: number, make: (i: number) => Promise<() => Promise<Attempt>>) => Promise.all(Array.from({ length: n }, (_, i) => make(i)));

async function send(base: string, form: URLSearchParams, headers: Record<string, string>): Promise<Attempt> {
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const setCookies = res.headers.getSetCookie();
  const body = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return {
    res,
    status: res.status,
    sessionToken: setCookies.map((c) => /^next-auth\.session-token=([^;]+)/.exec(c)?.[1]).find(Boolean),
    deviceCookie: setCookies.find((c) => c.startsWith('rt-device=')),
    body,
    json,
  };
}

/** The `name=value` of a Set-Cookie line, for sending it back. */
export const asCookie = (setCookie: string) => cookiePair(setCookie);

export const clientWith = (base: string, token: string) => new ApiClient(base, `next-auth.session-token=${token}`);

/** The 6-digit code an authenticator shows for `secret`, `offsetSteps` 30-second steps from now. */
export function totpCode(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

/** Signs out through NextAuth (POST /api/auth/signout with a CSRF token), as the header's button does. */
export async function signOut(base: string, token: string): Promise<Response> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = [...csrf.headers.getSetCookie().map(cookiePair), `next-auth.session-token=${token}`].join('; ');
  return fetch(`${base}/api/auth/signout`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrfToken, json: 'true' }),
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
