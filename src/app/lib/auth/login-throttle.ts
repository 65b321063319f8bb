import 'server-only';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { config } from '../config';
import { AppError } from '../errors';

/**
 * Failed sign-ins are limited per username (guessing one account's password) and per client address
 * (trying many accounts). Success clears the username's count. Limits are per app instance.
 */
const { attempts, windowSeconds } = config.loginRateLimit;

const byUsername = new RateLimiterMemory({ keyPrefix: 'login-user', points: attempts, duration: windowSeconds });
const byAddress = new RateLimiterMemory({ keyPrefix: 'login-ip', points: attempts * 5, duration: windowSeconds });

const userKey = (username: string) => username.trim().toLowerCase();

export async function assertLoginAllowed(username: string, address: string): Promise<void> {
  const [user, ip] = await Promise.all([byUsername.get(userKey(username)), byAddress.get(address)]);
  const blocked = [
    user && user.consumedPoints >= attempts ? user.msBeforeNext : 0,
    ip && ip.consumedPoints >= attempts * 5 ? ip.msBeforeNext : 0,
  ];
  const waitMs = Math.max(...blocked);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    throw new AppError(
      'rate_limited',
      'Too many sign-in attempts',
      `Too many failed sign-in attempts. Try again in ${
        seconds < 60 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`
      }.`,
      { 'Retry-After': String(seconds) },
    );
  }
}

export async function recordLoginFailure(username: string, address: string): Promise<void> {
  await Promise.all([
    byUsername.penalty(userKey(username)).catch(() => undefined),
    byAddress.penalty(address).catch(() => undefined),
  ]);
}

export async function recordLoginSuccess(username: string): Promise<void> {
  await byUsername.delete(userKey(username));
}
