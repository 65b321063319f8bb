/** Raw sign-in attempts and cookie-only clients, for the auth suites. */
import { ApiClient, server } from './clients';

/** One raw sign-in attempt through NextAuth's credentials flow, with optional extra headers. */
export async function signInAttempt(
  username: string,
  password: string,
  opts: { headers?: Record<string, string>; body?: URLSearchParams } = {},
): Promise<{ res: Response; sessionToken: string | undefined; body: string }> {
  const base = server().baseUrl;
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: opts.headers });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const body = opts.body ?? new URLSearchParams({ username, password });
  body.set('csrfToken', csrfToken);
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie, ...opts.headers },
    body,
  });
  const sessionToken = res.headers
    .getSetCookie()
    .map((c) => /^next-auth\.session-token=([^;]*)/.exec(c)?.[1])
    .find((v) => !!v);
  return { res, sessionToken, body: await res.text() };
}

/** A client that sends only the session cookie (the guide's curl example). */
export function withSessionToken(token: string): ApiClient {
  return new ApiClient(server().baseUrl, `next-auth.session-token=${token}`);
}

/** A distinct client address for sign-in tests, so their failures don't throttle other suites. */
export function testAddress(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `10.${octet()}.${octet()}.${octet()}`;
}

