import 'server-only';
import crypto from 'node:crypto';
import { subkey } from './keys';
import { readCookie, servedOverHttps } from './session';

/**
 * OWASP's device cookie: a browser that signed in to an account gets `v1.<user id>.<nonce>.<HMAC>`,
 * and its later attempts for that account draw on a budget of their own (login-throttle), so a
 * stranger's wrong guesses, which lock out unknown clients, never lock out the owner's browser.
 * A new cookie (new nonce, fresh budget) replaces it at every successful sign-in.
 */
const NAME = 'rt-device';
const HOST_NAME = `__Host-${NAME}`;
const MAX_AGE_SECONDS = 180 * 24 * 60 * 60;

const mac = (secret: string, payload: string) => crypto.createHmac('sha256', subkey(secret, 'device-cookie')).update(payload).digest('base64url');

export function issueDeviceCookie(userId: number, secret: string): { header: string; nonce: string } {
  const nonce = crypto.randomBytes(16).toString('base64url');
  const payload = `v1.${userId}.${nonce}`;
  const https = servedOverHttps();
  const header = [
    `${https ? HOST_NAME : NAME}=${payload}.${mac(secret, payload)}`,
    'Path=/',
    `Max-Age=${MAX_AGE_SECONDS}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(https ? ['Secure'] : []),
  ].join('; ');
  return { header, nonce };
}

/** The device cookie a request carries, if one of our keys signed it. */
export function readDeviceCookie(cookieHeader: string | null, secrets: string[]): { userId: number; nonce: string } | null {
  const value = readCookie(cookieHeader, servedOverHttps() ? HOST_NAME : NAME);
  const m = value ? /^(v1\.([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{22}))\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!m) return null;
  const [, payload, userId, nonce, signature] = m;
  const given = Buffer.from(signature!);
  const valid = secrets.some((s) => {
    const expected = Buffer.from(mac(s, payload!));
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  });
  return valid ? { userId: Number(userId), nonce: nonce! } : null;
}
