import 'server-only';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { config } from '../config';
import type { Db } from '../db';
import { AppError } from '../errors';

/**
 * Sign-in budgets, in the database (table login_limits) so every app instance shares them:
 *
 *   - per account (or, for a name that reaches no account, per normalised name), for clients the
 *     account doesn't know: LOGIN_RATE_LIMIT_ATTEMPTS per window;
 *   - per device cookie, for a browser that signed in to that account before (OWASP's device
 *     cookies): its own budget of the same size, so strangers' failures can't lock the owner out;
 *   - per client address: 5 times the account budget, against one address trying many accounts.
 *
 * An attempt is paid for *before* its password is checked, by one atomic upsert per budget
 * (INSERT … ON CONFLICT DO UPDATE … RETURNING): N parallel guesses can't all pass a read-then-
 * write check. Attempts that prove the password (success, or a correct password still waiting
 * for its second factor) are refunded; failures stay counted for the window.
 */
export interface AttemptKeys {
  /** `u<id>` for an existing account, `n<name>` for a name that reaches none. */
  account: string;
  address: string;
  /** The device cookie's nonce, when the browser holds a valid one for this account. */
  device: string | null;
}

export type Attempt = { allowed: true } | { allowed: false; retryAfterSeconds: number; justBlocked: boolean };

interface Limiters {
  account: RateLimiterPostgres;
  device: RateLimiterPostgres;
  address: RateLimiterPostgres;
}

const KEY = Symbol.for('roblox-tool.login-limiters');
type Holder = { [KEY]?: { db: Db; settings: string; limiters: Limiters } };

function limiters(db: Db): Limiters {
  const { attempts, windowSeconds } = config.loginRateLimit;
  const settings = `${attempts}/${windowSeconds}`;
  const holder = globalThis as Holder;
  const cached = holder[KEY];
  if (cached?.db === db && cached.settings === settings) return cached.limiters;
  // The library's queries go through our Db (pg pool or PGlite), without its named prepared
  // statements, which transaction-mode pgbouncer can't keep.
  const storeClient = { query: (q: { text: string; values?: unknown[] }) => db.query(q.text, q.values) };
  const make = (keyPrefix: string, points: number, clearExpired: boolean) =>
    new RateLimiterPostgres({
      storeClient,
      storeType: 'pool',
      tableName: 'login_limits',
      tableCreated: true,
      clearExpiredByTimeout: clearExpired,
      keyPrefix,
      points,
      duration: windowSeconds,
    });
  const made = {
    account: make('login-account', attempts, true),
    device: make('login-device', attempts, false),
    address: make('login-address', attempts * 5, false),
  };
  holder[KEY] = { db, settings, limiters: made };
  return made;
}

async function take(limiter: RateLimiterPostgres, key: string): Promise<Attempt> {
  try {
    await limiter.consume(key);
    return { allowed: true };
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
      // The attempt that tipped the budget over: worth one audit event, the rest are noise.
      justBlocked: res.consumedPoints === limiter.points + 1,
    };
  }
}

/** Pays for one sign-in attempt; a refused one checks no password. */
export async function consumeAttempt(db: Db, keys: AttemptKeys): Promise<Attempt> {
  const l = limiters(db);
  if (keys.device) return take(l.device, keys.device);
  const byAddress = await take(l.address, keys.address);
  if (!byAddress.allowed) return byAddress;
  return take(l.account, keys.account);
}

/** Gives back what an attempt that proved the password paid. */
export async function refundAttempt(db: Db, keys: AttemptKeys): Promise<void> {
  const l = limiters(db);
  if (keys.device) await l.device.reward(keys.device, 1);
  else await Promise.all([l.address.reward(keys.address, 1), l.account.reward(keys.account, 1)]);
}

/** A device cookie replaced by a new one: its budget row is no longer needed. */
export async function forgetDevice(db: Db, nonce: string): Promise<void> {
  await limiters(db).device.delete(nonce);
}

export function rateLimited(retryAfterSeconds: number): AppError {
  const s = retryAfterSeconds;
  return new AppError(
    'rate_limited',
    'Too many sign-in attempts',
    `Too many failed sign-in attempts. Try again in ${s < 60 ? `${s} second${s === 1 ? '' : 's'}` : `${Math.ceil(s / 60)} minutes`}.`,
    { 'Retry-After': String(s) },
  );
}
