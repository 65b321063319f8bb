import crypto from 'node:crypto';
import type { Db, Queryable } from './db';
import { AppError, conflict, isPgError } from './errors';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyRequest {
  userId: number;
  /** The Idempotency-Key header, if the client sent one. */
  key: string | null;
  endpoint: string;
  /** What the request asks for; the same key with a different request is a 409. */
  request: unknown;
}

export function readIdempotencyKey(req: Request): string | null {
  const key = req.headers.get('idempotency-key');
  if (key === null) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError('bad_request', 'Invalid Idempotency-Key', 'Use 1-255 visible ASCII characters, e.g. a UUID');
  }
  return key;
}

function hashRequest(endpoint: string, request: unknown): string {
  return crypto.createHash('sha256').update(`${endpoint}\n${JSON.stringify(request)}`).digest('hex');
}

async function replay(db: Queryable, r: IdempotencyRequest, hash: string): Promise<StoredResponse | null> {
  const { rows } = await db.query<{ request_hash: string; status_code: number; response: unknown }>(
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

/**
 * Runs a write at most once per Idempotency-Key (Stripe's model). The key and the response are
 * stored in the same transaction as the write: a retry gets the stored response, and if two
 * identical requests race, the loser's transaction (write included) rolls back on the key's
 * primary key and it replays the winner's response. Without a key, the write runs as it is.
 */
export async function idempotent(
  db: Db,
  r: IdempotencyRequest,
  write: (q: Queryable) => Promise<StoredResponse>,
): Promise<StoredResponse> {
  if (r.key === null) return write(db);
  const hash = hashRequest(r.endpoint, r.request);
  const earlier = await replay(db, r, hash);
  if (earlier) return earlier;
  try {
    return await db.transaction(async (tx) => {
      const response = await write(tx);
      await tx.query(
        `INSERT INTO idempotency_keys (user_id, key, endpoint, request_hash, status_code, response)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [r.userId, r.key, r.endpoint, hash, response.status, JSON.stringify(response.body)],
      );
      return response;
    });
  } catch (err) {
    if (!isPgError(err, '23505', 'idempotency_keys_pkey')) throw err;
    const winner = await replay(db, r, hash);
    if (!winner) throw err;
    return winner;
  }
}
