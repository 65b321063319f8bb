import 'server-only';
import type { Db } from '../db';

/**
 * Books the `expiry` row of every grant whose expiry has come, customer by customer, each in its
 * own transaction (credit_book_expiries takes that customer's lock, so a debit or another runner
 * booking the same expiry at the same moment books it once). Returns how many rows it booked.
 */
export async function bookDueExpiries(db: Db, batch = 500): Promise<number> {
  let booked = 0;
  for (;;) {
    const { rows } = await db.query<{ customer_id: number }>(
      `SELECT DISTINCT customer_id FROM credit_grants
        WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= now()
        LIMIT $1`,
      [batch],
    );
    for (const { customer_id } of rows) {
      const r = await db.query<{ n: number }>('SELECT credit_book_expiries($1) AS n', [customer_id]);
      booked += r.rows[0]!.n;
    }
    if (rows.length < batch) return booked;
  }
}
