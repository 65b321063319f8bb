import 'server-only';
import type { Actor } from '../auth/caller';
import { bookAdminGrant } from '../credits';
import type { GrantCategory } from '../credits/schemas';
import type { Db, Queryable } from '../db';
import { AppError } from '../errors';
import { releaseDailyGrant } from './controls';

/** Rows booked per transaction: one commit per chunk, not per row, keeps 10,000 rows quick. */
export const CHUNK_ROWS = 200;

interface PendingRow {
  line: number;
  customer_id: number;
  amount: number;
  description: string;
  category: GrantCategory | null;
  grant_expires_at: Date | null;
}

interface RunningBatch {
  id: number;
  requested_by: number;
  requested_by_username: string;
  counted_day: string | null;
}

class RowRefused extends Error {}

/**
 * Books one chunk of a batch's pending rows, each as the requester's ordinary admin grant, and
 * marks each row succeeded (with its ledger row) or failed in the same transaction: a crash before
 * the commit leaves the chunk pending and it is booked once, later; after the commit it is never
 * looked at again. Rows were checked when the batch was stored, so the ledger refusing one (its
 * customer gone) is rare: the chunk then runs again `careful`ly, each row in a savepoint of its
 * own, so that row alone fails. Returns how many rows it handled (0: nothing left pending).
 */
async function runChunk(tx: Queryable, batch: RunningBatch, careful: boolean): Promise<number> {
  const { rows } = await tx.query<PendingRow>(
    `SELECT line, customer_id, amount, description, category, grant_expires_at FROM bulk_grant_rows
      WHERE batch_id = $1 AND status = 'pending' ORDER BY line LIMIT ${CHUNK_ROWS} FOR UPDATE SKIP LOCKED`,
    [batch.id],
  );
  const requester: Actor = { id: batch.requested_by, username: batch.requested_by_username };
  const booked: Array<[line: number, transactionId: number]> = [];
  for (const r of rows) {
    if (careful) await tx.exec('SAVEPOINT bulk_row');
    try {
      const t = await bookAdminGrant(tx, requester, {
        customerId: r.customer_id,
        amount: r.amount,
        description: r.description,
        category: r.category ?? undefined,
        expiresAt: r.grant_expires_at ?? undefined,
      });
      booked.push([r.line, t.id]);
      if (careful) await tx.exec('RELEASE SAVEPOINT bulk_row');
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (!careful) throw new RowRefused();
      await tx.exec('ROLLBACK TO SAVEPOINT bulk_row');
      const why = typeof err.details === 'string' ? `${err.message}: ${err.details}` : err.message;
      await tx.query(`UPDATE bulk_grant_rows SET status = 'failed', error = $3 WHERE batch_id = $1 AND line = $2`, [batch.id, r.line, why]);
      await releaseDailyGrant(tx, batch.requested_by, batch.counted_day, r.amount);
    }
  }
  await tx.query(
    `UPDATE bulk_grant_rows r SET status = 'succeeded', transaction_id = b.transaction_id
       FROM unnest($2::int[], $3::bigint[]) AS b(line, transaction_id) WHERE r.batch_id = $1 AND r.line = b.line`,
    [batch.id, booked.map(([line]) => line), booked.map(([, id]) => id)],
  );
  if (rows.length === 0) {
    await tx.query(
      `UPDATE bulk_grant_batches SET status = 'done', finished_at = now()
        WHERE id = $1 AND status = 'running' AND NOT EXISTS (SELECT 1 FROM bulk_grant_rows WHERE batch_id = $1 AND status = 'pending')`,
      [batch.id],
    );
  }
  return rows.length;
}

/** One chunk in its own transaction; again with a savepoint per row if the ledger refused one. */
async function nextChunk(db: Db, batch: RunningBatch): Promise<number> {
  try {
    return await db.transaction((tx) => runChunk(tx, batch, false));
  } catch (err) {
    if (!(err instanceof RowRefused)) throw err;
    return db.transaction((tx) => runChunk(tx, batch, true));
  }
}

/**
 * The bulk job: works through every running batch, oldest first, chunk by chunk, until none has
 * pending rows. Safe to run on any instance at any time, and again after a restart mid-batch.
 */
export async function runBulkBatches(db: Db): Promise<number> {
  let booked = 0;
  // Each batch once per run: one whose rows another worker holds is left to that worker.
  for (let after = 0; ; ) {
    const { rows } = await db.query<RunningBatch>(
      `SELECT id, requested_by, requested_by_username, counted_day::text AS counted_day
         FROM bulk_grant_batches WHERE status = 'running' AND id > $1 ORDER BY id LIMIT 1`,
      [after],
    );
    const batch = rows[0];
    if (!batch) return booked;
    after = batch.id;
    let n: number;
    do {
      n = await nextChunk(db, batch);
      booked += n;
    } while (n > 0);
  }
}
