import 'server-only';
import type { Db, Queryable } from '../db';
import { AppError, isPgError } from '../errors';
import { requestHash, storedResponse, storeResponse, type IdempotentRequest, type StoredResponse } from '../idempotency/store';

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
  if (earlier) return earlier;
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
    return winner;
  }
}
