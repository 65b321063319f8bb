import 'server-only';
import type { Queryable } from '../db';

/** What the balance is made of now: the unspent remainder of live paid and promotional grants. */
export async function balanceByCategory(q: Queryable, customerId: number): Promise<{ paid: number; promotional: number }> {
  const { rows } = await q.query<{ paid: number; promotional: number }>(
    `SELECT COALESCE(sum(remaining) FILTER (WHERE category = 'paid'), 0)::bigint AS paid,
            COALESCE(sum(remaining) FILTER (WHERE category = 'promotional'), 0)::bigint AS promotional
       FROM credit_grants WHERE customer_id = $1 AND remaining > 0 AND closed IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [customerId],
  );
  return rows[0]!;
}
