import 'server-only';
import type { CallerKey } from '../auth/caller';
import { config } from '../config';
import type { Db } from '../db';
import { AppError } from '../errors';
import { lookupStore } from '../searches/store';

/**
 * API_KEY_RATE_LIMIT requests a minute per key, kept in the store every instance shares (the
 * look-ups' token buckets: PostgreSQL, or Redis when REDIS_URL is set), under a bucket name of
 * the key's own. A key may burst up to the whole minute's allowance, refilled evenly.
 */
export async function limitApiKey(db: Db, key: Pick<CallerKey, 'id'>): Promise<void> {
  const perMinute = config.apiKeyRateLimit;
  const store = await lookupStore(db);
  const grant = await store.takeTokens({ [`api-key:${key.id}`]: 1 }, { perMinute }).catch((err: Error) => {
    console.error(`[api keys] rate limit store: ${err.message}`);
    throw new AppError('unavailable', 'Service temporarily unavailable', 'The API key rate limit could not be checked', { 'Retry-After': '5' });
  });
  if (!grant.ok) {
    throw new AppError('rate_limited', 'Too many requests', `This API key may make ${perMinute} requests a minute: retry in ${grant.retryAfterSeconds} s`, {
      'Retry-After': String(grant.retryAfterSeconds),
    });
  }
}
