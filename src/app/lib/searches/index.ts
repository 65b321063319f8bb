import 'server-only';
import type { Caller } from '../auth/caller';
import { config } from '../config';
import { addCredits, consumeCredits, getBalance } from '../credits';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { AppError } from '../errors';
import { RobloxRejectedError, robloxProvider, type RobloxProfile, type RobloxUserSummary } from './roblox';
import type { SearchHistoryQuery, SearchInput } from './schemas';

/**
 * Paid Roblox look-ups ("searches" in code, as in the guide). The credits are debited (atomically, never below zero) before Roblox is
 * called; a look-up that Roblox can't answer, or that it rejects as the caller's mistake, is
 * refunded in full, so only answered look-ups cost anything.
 */


export type SearchResult =
  | { type: 'keyword'; searchId: number; query: string; results: RobloxUserSummary[]; creditsCharged: number; balance: number }
  | { type: 'profile'; searchId: number; query: string; profile: RobloxProfile; creditsCharged: number; balance: number };

async function charge(db: Db, caller: Pick<Caller, 'id' | 'customerId'>, input: SearchInput, cost: number) {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO searches (customer_id, user_id, query, search_type, status, credits_charged)
       VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id`,
      [caller.customerId!, caller.id, input.query, input.type, cost],
    );
    const searchId = rows[0]!.id;
    if (cost === 0) return { searchId, balance: null };
    const debit = await consumeCredits(tx, {
      customerId: caller.customerId!,
      userId: caller.id,
      amount: cost,
      description: `Look-up #${searchId} (${input.type}): ${input.query}`,
    });
    return { searchId, balance: debit.balanceAfter };
  });
}

/** Gives the credits of a pending look-up back, once: the status guard makes a second refund a no-op. */
async function refund(db: Db, searchId: number, status: 'refunded' | 'rejected', reason: string, durationMs: number | null): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ customer_id: number; user_id: number; credits_charged: number }>(
      `UPDATE searches SET status = $2, error = $3, duration_ms = $4
        WHERE id = $1 AND status = 'pending'
        RETURNING customer_id, user_id, credits_charged`,
      [searchId, status, reason.slice(0, 500), durationMs],
    );
    const s = rows[0];
    if (!s || s.credits_charged === 0) return;
    await addCredits(tx, {
      customerId: s.customer_id,
      userId: s.user_id,
      type: 'refund',
      amount: s.credits_charged,
      description: `Refund for look-up #${searchId}: ${reason}`.slice(0, 1000),
    });
  });
}

export async function runSearch(db: Db, caller: Pick<Caller, 'id' | 'customerId'>, input: SearchInput): Promise<SearchResult> {
  const cost = config.searchCreditCost;
  const { searchId } = await charge(db, caller, input, cost);
  const started = Date.now();
  const roblox = robloxProvider();
  try {
    const profile = input.type === 'profile' ? await roblox.getUser(Number(input.query)) : null;
    const results = profile ? null : await roblox.searchUsers(input.query, 10);
    // Guarded like refund(): if the stale-look-up sweep refunded this one meanwhile, it stays refunded
    // and the answer was free.
    const done = await db.query(
      `UPDATE searches SET status = 'success', result_count = $2, duration_ms = $3 WHERE id = $1 AND status = 'pending'`,
      [searchId, results ? results.length : 1, Date.now() - started],
    );
    const { balance } = await getBalance(db, caller.customerId!);
    const base = { searchId, query: input.query, creditsCharged: done.rowCount > 0 ? cost : 0, balance };
    return profile ? { type: 'profile', profile, ...base } : { type: 'keyword', results: results!, ...base };
  } catch (err) {
    const durationMs = Date.now() - started;
    if (err instanceof RobloxRejectedError) {
      await refund(db, searchId, 'rejected', err.message, durationMs);
      throw err.status === 404
        ? new AppError('not_found', 'Roblox user not found', `Roblox has no user with ID ${input.query}. No credits were charged.`)
        : new AppError('bad_request', `Roblox rejected the search: ${err.message}`, { query: `${err.message} No credits were charged.` });
    }
    const reason = err instanceof Error ? err.message : 'unknown error';
    await refund(db, searchId, 'refunded', reason, durationMs);
    if (!(err instanceof Error && err.name === 'RobloxUnavailableError')) console.error('[lookup] unexpected error:', err);
    throw new AppError(
      'bad_gateway',
      'Roblox is unavailable',
      `The look-up could not be completed (${reason}). ${cost ? `Your ${cost} credit${cost === 1 ? ' was' : 's were'} refunded.` : ''}`.trim(),
    );
  }
}

/**
 * Look-ups left pending by a crash between the debit and the answer are refunded after a grace
 * period, so a killed server never keeps credits it didn't earn.
 */
export async function refundStaleSearches(db: Db, olderThanSeconds = 120): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM searches WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1) ORDER BY id LIMIT 1000`,
    [olderThanSeconds],
  );
  for (const { id } of rows) await refund(db, id, 'refunded', 'the look-up was interrupted', null);
  return rows.length;
}

export interface SearchDto {
  id: number;
  userId: number;
  username: string;
  query: string;
  type: 'keyword' | 'profile';
  status: 'pending' | 'success' | 'failed' | 'refunded' | 'rejected';
  resultCount: number | null;
  creditsCharged: number;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
}

interface SearchRow {
  id: number;
  user_id: number;
  username: string;
  query: string;
  search_type: SearchDto['type'];
  status: SearchDto['status'];
  result_count: number | null;
  credits_charged: number;
  duration_ms: number | null;
  error: string | null;
  created_at: Date;
}

/** A customer's look-ups, newest first (`customerId` undefined: every customer); the total is capped like the audit trail's. */
export async function listSearches(db: Queryable, customerId: number | undefined, q: SearchHistoryQuery): Promise<Page<SearchDto>> {
  const where = new Conditions().maybe('s.customer_id = ?', customerId).maybe('s.user_id = ?', q.userId);
  return listPage(db, q, {
    where,
    countFrom: 'FROM searches s',
    select: (limit, offset) =>
      `SELECT s.id, s.user_id, u.username, s.query, s.search_type, s.status, s.result_count, s.credits_charged,
              s.duration_ms, s.error, s.created_at
         FROM searches s JOIN users u ON u.id = s.user_id
        ${where.sql} ORDER BY s.id DESC LIMIT ${limit} OFFSET ${offset}`,
    map: (r: SearchRow): SearchDto => ({
      id: r.id,
      userId: r.user_id,
      username: r.username,
      query: r.query,
      type: r.search_type,
      status: r.status,
      resultCount: r.result_count,
      creditsCharged: r.credits_charged,
      durationMs: r.duration_ms,
      error: r.error,
      createdAt: r.created_at.toISOString(),
    }),
  });
}
