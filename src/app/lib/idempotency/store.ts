import 'server-only';
import crypto from 'node:crypto';
import type { Queryable } from '../db';
import { conflict } from '../errors';

/**
 * Stored responses of requests sent with an Idempotency-Key (Stripe's model): one row per
 * (user, key), holding a hash of the request and the response it got.
 */

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotentRequest {
  userId: number;
  key: string;
  endpoint: string;
  /** What the request asks for; the same key with a different request is a 409. */
  request: unknown;
}

export function requestHash(r: IdempotentRequest): string {
  return crypto.createHash('sha256').update(`${r.endpoint}\n${JSON.stringify(r.request)}`).digest('hex');
}

/** The response stored for this key, or null; the key used for a different request is a 409. */
export async function storedResponse(q: Queryable, r: IdempotentRequest, hash: string): Promise<StoredResponse | null> {
  const { rows } = await q.query<{ request_hash: string; status_code: number; response: unknown }>(
    'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [r.userId, r.key],
  );
  const stored = rows[0];
  if (!stored) return null;
  if (stored.request_hash !== hash) {
    throw conflict(
      'Idempotency key reused',
      'This Idempotency-Key was already used with a different request; use a new key for a new request',
    );
  }
  return { status: stored.status_code, body: stored.response };
}

/** Stores the response; a concurrent twin makes this fail on the key's primary key (23505). */
export async function storeResponse(q: Queryable, r: IdempotentRequest, hash: string, response: StoredResponse): Promise<void> {
  await q.query(
    `INSERT INTO idempotency_keys (user_id, key, endpoint, request_hash, status_code, response)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.userId, r.key, r.endpoint, hash, response.status, JSON.stringify(response.body)],
  );
}
