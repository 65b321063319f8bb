import 'server-only';
import crypto from 'node:crypto';
import type { Queryable } from '../db';
import { AppError, conflict, isPgError } from '../errors';

/**
 * Stored responses of requests sent with an Idempotency-Key (Stripe's model): one row per
 * (user, key), holding a hash of the request and the response it got. A request that calls out
 * (a look-up) first *claims* its key (a row without a response) and answers it when it finishes.
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

/**
 * Claims the request's Idempotency-Key inside the transaction that starts its work (e.g. the one
 * that charges a look-up); `reference` names that work for a retry that finds it unanswered.
 */
export type Claim = (tx: Queryable, reference: string) => Promise<void>;

export function requestHash(r: IdempotentRequest): string {
  return crypto.createHash('sha256').update(`${r.endpoint}\n${JSON.stringify(r.request)}`).digest('hex');
}

/** A claim that has no response yet: its request is still running, or never finished. */
export interface PendingClaim {
  pending: true;
  reference: string | null;
  createdAt: Date;
}

/** The response stored for this key (or its unanswered claim), or null; the key used for a different request is a 409. */
export async function storedResponse(q: Queryable, r: IdempotentRequest, hash: string): Promise<StoredResponse | PendingClaim | null> {
  const { rows } = await q.query<{ request_hash: string; status_code: number | null; response: unknown; reference: string | null; created_at: Date }>(
    'SELECT request_hash, status_code, response, reference, created_at FROM idempotency_keys WHERE user_id = $1 AND key = $2',
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
  if (stored.status_code === null) return { pending: true, reference: stored.reference, createdAt: stored.created_at };
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

/** Another request holds the key: its transaction (and this one's work) rolls back with this error. */
export class KeyClaimedError extends AppError {
  constructor() {
    super('conflict', 'Request in progress', 'Another request with this Idempotency-Key is running');
    this.name = 'KeyClaimedError';
  }
}

export async function claimKey(tx: Queryable, r: IdempotentRequest, hash: string, reference: string): Promise<void> {
  try {
    await tx.query(
      `INSERT INTO idempotency_keys (user_id, key, endpoint, request_hash, reference) VALUES ($1, $2, $3, $4, $5)`,
      [r.userId, r.key, r.endpoint, hash, reference.slice(0, 200)],
    );
  } catch (err) {
    if (isPgError(err, '23505', 'idempotency_keys_pkey')) throw new KeyClaimedError();
    throw err;
  }
}

/** Answers a claim (once: an answered claim is never overwritten). */
export async function answerClaim(q: Queryable, r: IdempotentRequest, response: StoredResponse): Promise<void> {
  await q.query(
    `UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE user_id = $1 AND key = $2 AND status_code IS NULL`,
    [r.userId, r.key, response.status, JSON.stringify(response.body)],
  );
}
