import 'server-only';
import type { Db, Queryable } from '../db';
import { AppError, conflict, isPgError } from '../errors';
import {
  answerClaim,
  claimKey,
  KeyClaimedError,
  requestHash,
  storedResponse,
  storeResponse,
  type Claim,
  type IdempotentRequest,
  type PendingClaim,
  type StoredResponse,
} from '../idempotency/store';

export function readIdempotencyKey(req: Request): string | null {
  const key = req.headers.get('idempotency-key');
  if (key === null) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError('bad_request', 'Invalid Idempotency-Key', 'Use 1-255 visible ASCII characters, e.g. a UUID');
  }
  return key;
}

/**
 * A Db whose queries all go to an open transaction, and whose `transaction()` joins it: the domain
 * code a handler calls writes inside the door's transaction without knowing it.
 */
function joined(db: Db, tx: Queryable): Db {
  return {
    ...db,
    query: (sql, params) => tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
    transaction: (fn) => fn(tx),
    reads: () => tx,
  };
}

/**
 * Runs a write at most once per Idempotency-Key. The key and the response are stored in the same
 * transaction as the write: a retry gets the stored response, and if two identical requests race,
 * the loser's transaction (write included) rolls back on the key's primary key and it replays the
 * winner's response. A refused request throws, stores nothing, and may be retried with the same key.
 */
export async function idempotent(db: Db, r: IdempotentRequest, write: (db: Db) => Promise<StoredResponse>): Promise<StoredResponse> {
  const hash = requestHash(r);
  const earlier = await storedResponse(db, r, hash);
  if (earlier) return answered(earlier);
  try {
    return await db.transaction(async (tx) => {
      const response = await write(joined(db, tx));
      await storeResponse(tx, r, hash, response);
      return response;
    });
  } catch (err) {
    if (!isPgError(err, '23505', 'idempotency_keys_pkey')) throw err;
    const winner = await storedResponse(db, r, hash);
    if (!winner) throw err;
    return answered(winner);
  }
}

/** How long a claim may stay unanswered before a retry is told it never finished. */
const CLAIM_STALE_MS = 10 * 60_000;

/** A stored response as is; an unanswered claim as the 409 a retry gets. */
function answered(stored: StoredResponse | PendingClaim): StoredResponse {
  if (!('pending' in stored)) return stored;
  const what = stored.reference ? ` (${stored.reference})` : '';
  const since = stored.createdAt.toISOString();
  if (Date.now() - stored.createdAt.getTime() < CLAIM_STALE_MS) {
    throw new AppError(
      'conflict',
      'Request in progress',
      `The request with this Idempotency-Key${what}, started at ${since}, is still running. Retry in a moment to get its answer.`,
      { 'Retry-After': '1' },
    );
  }
  throw conflict(
    'Request did not finish',
    `The request with this Idempotency-Key${what}, started at ${since}, never recorded its answer. Its outcome is in the history; use a new key to try again.`,
  );
}

/** The stored form of an error answer, as errorResponse() would send it. */
function errorAnswer(err: unknown): StoredResponse {
  if (err instanceof AppError) return { status: err.status, body: err.toJSON() };
  return { status: 500, body: { error: 'Internal server error', details: 'The request could not be completed', code: 'internal' } };
}

/**
 * Idempotency for a handler that calls out (door option `idempotency: 'claim'`): no transaction is
 * held around it. The handler claims the key inside its own first transaction (`claim`, e.g. with
 * the charge of a look-up) and its answer, success or error, is stored when it finishes. A retry
 * replays that answer, or is a 409 while the first request still runs. A request refused before
 * it claimed (bad input, 402) stores nothing, and may be retried with the same key.
 */
export async function claimed(db: Db, r: IdempotentRequest, run: (claim: Claim) => Promise<StoredResponse>): Promise<StoredResponse> {
  const hash = requestHash(r);
  const earlier = await storedResponse(db, r, hash);
  if (earlier) return answered(earlier);
  let claimedKey = false;
  const claim: Claim = async (tx, reference) => {
    await claimKey(tx, r, hash, reference);
    claimedKey = true;
  };
  const record = (response: StoredResponse) =>
    answerClaim(db, r, response).catch((err: Error) => console.error(`[idempotency] answer not stored for ${r.endpoint}: ${err.message}`));
  let response: StoredResponse;
  try {
    response = await run(claim);
  } catch (err) {
    if (err instanceof KeyClaimedError) {
      const winner = await storedResponse(db, r, hash);
      if (winner) return answered(winner);
    }
    if (claimedKey) await record(errorAnswer(err));
    throw err;
  }
  if (claimedKey) await record(response);
  else {
    await storeResponse(db, r, hash, response).catch((err) => {
      if (!isPgError(err, '23505', 'idempotency_keys_pkey')) throw err;
    });
  }
  return response;
}
