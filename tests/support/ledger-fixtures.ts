import type { Queryable } from '@/app/lib/db/types';
import { unique } from './db';

/** Small builders for ledger tests: a customer, a user, the grants and allocations as stored. */

export async function newCustomer(q: Queryable, prefix = 'Ledger'): Promise<number> {
  const { rows } = await q.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique(prefix)]);
  return rows[0]!.id;
}

export async function newUser(q: Queryable, customerId: number | null, role = 'USER'): Promise<{ id: number; username: string }> {
  const username = unique('u');
  const { rows } = await q.query<{ id: number }>(
    'INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, $2, $3, $4) RETURNING id',
    [username, 'not-a-hash', role, customerId],
  );
  return { id: rows[0]!.id, username };
}

export interface StoredGrant {
  id: number;
  remaining: number;
  closed: string | null;
}

export async function grantsOf(q: Queryable, customerId: number): Promise<StoredGrant[]> {
  const { rows } = await q.query<StoredGrant>('SELECT id, remaining, closed FROM credit_grants WHERE customer_id = $1 ORDER BY id', [customerId]);
  return rows;
}

/** What one ledger row drew from (negative) or gave back to (positive) each grant, by grant id. */
export async function allocationsOf(q: Queryable, transactionId: number): Promise<Record<number, number>> {
  const { rows } = await q.query<{ grant_id: number; amount: number }>(
    'SELECT grant_id, amount FROM credit_allocations WHERE transaction_id = $1 ORDER BY grant_id',
    [transactionId],
  );
  return Object.fromEntries(rows.map((r) => [r.grant_id, r.amount]));
}

export async function rowsOf(q: Queryable, customerId: number): Promise<Array<{ id: number; type: string; amount: number; grant_id: number | null }>> {
  const { rows } = await q.query<{ id: number; type: string; amount: number; grant_id: number | null }>(
    'SELECT id, type, amount, grant_id FROM credit_transactions WHERE customer_id = $1 ORDER BY id',
    [customerId],
  );
  return rows;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
