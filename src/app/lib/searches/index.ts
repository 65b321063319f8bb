import 'server-only';
import type { SearchType } from '@/app/shared/searches';
import type { Caller } from '../auth/caller';
import { config } from '../config';
import { addCredits, getBalance } from '../credits';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { DatabaseUnavailableError } from '../db/unavailable';
import { Conditions } from '../db/sql';
import { AppError } from '../errors';
import type { Claim } from '../idempotency/store';
import { chargeLookup, type Charged } from './charge';
import { returnToMonthlyLimit } from './limits';
import { planOf, type Answer, type AnswerBody, type Plan } from './lookups';
import { reserveRobloxCalls, type LookupGate } from './rate-limit';
import { RobloxRateLimitedError, RobloxRejectedError, RobloxUnavailableError, robloxProvider } from './roblox';
import type { SearchHistoryQuery, SearchInput } from './schemas';
import { lookupStore } from './store';
import { obtain, SharedFailure } from './upstream';

/**
 * Paid Roblox look-ups ("searches" in code, as in the guide). The price in force is read, the
 * user's monthly limit taken from and the credits debited in one statement (./charge.ts) before
 * Roblox is called; a look-up that Roblox can't answer, or that it rejects as the caller's mistake, is
 * refunded in full, so only answered look-ups cost anything (a `usernames` look-up is priced per
 * name and keeps only what the names Roblox resolved cost). Identical look-ups share one Roblox
 * call through the cache (./upstream.ts) and are still charged. What a response says happened to
 * the credits is what the ledger holds.
 */

export type { AnswerBody, GroupMembership, RobloxProfileDetails } from './lookups';

export type SearchResult = AnswerBody & {
  searchId: number;
  query: string;
  creditsCharged: number;
  balance: number;
  /** Answered from the shared cache (or another look-up's call), not by asking Roblox. */
  cached: boolean;
};

type Who = Pick<Caller, 'id' | 'customerId'>;

/** A look-up charged before Roblox answered, with the units charged for (names asked for, or 1). */
type Charge = Charged & { units: number };

const plural = (n: number) => `${n} credit${n === 1 ? '' : 's'}`;

/**
 * A database step of a look-up. Its failure is a 503 with `outcome` (what became of the credits,
 * as far as anyone can know) and never the driver's text, which names tables and values.
 */
async function dbStep<T>(outcome: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // The PostgreSQL layer already turned a lost connection into a 503 (DatabaseUnavailableError),
    // but only this step knows what became of the look-up, which is what its answer must say.
    if (err instanceof AppError && !(err instanceof DatabaseUnavailableError)) throw err;
    const e = err as { name?: string; code?: string; message?: string };
    console.error(`[lookup] database step failed: ${e.name ?? 'Error'}${e.code ? ` (${e.code})` : ''}: ${e.message ?? ''}`);
    throw new AppError('unavailable', 'Service temporarily unavailable', `The database did not answer. ${outcome}`, { 'Retry-After': '5' });
  }
}

const SWEEP_PROMISE = 'A look-up left unfinished is refunded automatically within a few minutes; see the look-up history.';

/**
 * Charges a look-up, pending (about to ask Roblox) or already answered (`resultCount`): one
 * statement; with an Idempotency-Key claim, in the claim's transaction.
 */
function chargeWithClaim(db: Db, who: Who, plan: Plan, claim: Claim | undefined, resultCount?: number): Promise<Charged> {
  const whom = { id: who.id, customerId: who.customerId! };
  if (!claim) return chargeLookup(db, whom, plan, resultCount);
  return db.transaction(async (tx) => {
    const c = await chargeLookup(tx, whom, plan, resultCount);
    await claim(tx, `look-up #${c.searchId}`);
    return c;
  });
}

/** Charges a look-up that is about to ask Roblox: a pending row, priced at the price in force now. */
async function charge(db: Db, who: Who, plan: Plan, claim: Claim | undefined): Promise<Charge> {
  const c = await dbStep('The look-up was not run. ' + SWEEP_PROMISE, () => chargeWithClaim(db, who, plan, claim));
  return { ...c, units: plan.units };
}

/** Gives the credits of a pending look-up back, once (the status guard makes a second call a no-op); returns what it refunded. */
async function refund(db: Db, searchId: number, status: 'refunded' | 'rejected', reason: string, durationMs: number | null): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ customer_id: number; user_id: number; credits_charged: number; created_at: Date }>(
      `UPDATE searches SET status = $2, error = $3, duration_ms = $4
        WHERE id = $1 AND status = 'pending'
        RETURNING customer_id, user_id, credits_charged, created_at`,
      [searchId, status, reason.slice(0, 500), durationMs],
    );
    const s = rows[0];
    if (!s || s.credits_charged === 0) return 0;
    await returnToMonthlyLimit(tx, s.user_id, s.created_at, s.credits_charged);
    await addCredits(tx, {
      customerId: s.customer_id,
      userId: s.user_id,
      type: 'refund',
      amount: s.credits_charged,
      description: `Refund for look-up #${searchId}: ${reason}`.slice(0, 1000),
    });
    return s.credits_charged;
  });
}

/**
 * Records Roblox's answer to the look-up that asked: success, and for `usernames` the credits of
 * the names Roblox did not resolve back. If the stale-look-up sweep refunded it meanwhile, it stays
 * refunded and the answer was free.
 */
async function settle(db: Db, c: Charge, resultCount: number, units: number, durationMs: number): Promise<{ charged: number; balance: number | null }> {
  const final = c.unitPrice * units;
  const unused = c.cost - final;
  const finish = async (q: Queryable) => {
    const { rows } = await q.query<{ customer_id: number; user_id: number; balance: number }>(
      `UPDATE searches SET status = 'success', result_count = $2, duration_ms = $3, credits_charged = $4, units = $5
        WHERE id = $1 AND status = 'pending'
        RETURNING customer_id, user_id, (SELECT balance FROM customer_credits WHERE customer_id = searches.customer_id) AS balance`,
      [c.searchId, resultCount, durationMs, final, units],
    );
    return rows[0];
  };
  // Every unit answered: the status update alone, one statement.
  if (unused <= 0) {
    const s = await finish(db);
    return s ? { charged: final, balance: Number(s.balance) } : { charged: 0, balance: null };
  }
  return db.transaction(async (tx) => {
    const s = await finish(tx);
    if (!s) return { charged: 0, balance: null };
    await returnToMonthlyLimit(tx, s.user_id, c.createdAt, unused);
    const refund = await addCredits(tx, {
      customerId: s.customer_id,
      userId: s.user_id,
      type: 'refund',
      amount: unused,
      description: `Refund for look-up #${c.searchId}: ${c.units - units} of ${c.units} names not found`.slice(0, 1000),
    });
    return { charged: final, balance: refund.balanceAfter };
  });
}

/** A look-up answered without asking Roblox: charged and recorded as answered in one step. */
function chargeAnswered(db: Db, who: Who, plan: Plan, resultCount: number, units: number, claim: Claim | undefined): Promise<Charged> {
  return dbStep('Nothing was charged.', () => chargeWithClaim(db, who, { ...plan, units }, claim, resultCount));
}

const isRobloxFailure = (err: unknown) =>
  err instanceof RobloxRejectedError || err instanceof RobloxUnavailableError || err instanceof RobloxRateLimitedError;

/** The answer to a look-up that Roblox failed; `refunded`: what went back to the balance (null: nothing had been charged). */
function robloxFailure(err: unknown, plan: Plan, refunded: number | null): AppError {
  const money = refunded ? `Your ${plural(refunded)} ${refunded === 1 ? 'was' : 'were'} refunded.` : 'No credits were charged.';
  if (err instanceof RobloxRejectedError) {
    const rejected = refunded ? 'No credits were charged (refunded).' : 'No credits were charged.';
    if (err.status === 404 || (plan.type !== 'keyword' && plan.type !== 'usernames')) {
      return new AppError('not_found', 'Roblox user not found', `Roblox has no user with ID ${plan.query} (${err.message}) ${rejected}`);
    }
    return new AppError('bad_request', `Roblox rejected the search: ${err.message}`, { query: `${err.message} ${rejected}` });
  }
  if (err instanceof RobloxRateLimitedError) {
    return new AppError(
      'unavailable',
      'Roblox rate limit reached',
      `Look-ups are limited to ${config.roblox.ratePerMinute} requests a minute to each Roblox API (${err.api}); try again in ${err.retryAfterSeconds} s. ${money}`,
      { 'Retry-After': String(err.retryAfterSeconds) },
    );
  }
  const reason = err instanceof Error ? err.message : 'unknown error';
  return new AppError('bad_gateway', 'Roblox is unavailable', `The look-up could not be completed (${reason}). ${money}`);
}

/** A look-up Roblox failed after it was charged: refunded, and the answer says so only if the refund row exists. */
async function failCharged(db: Db, c: Charge, plan: Plan, err: unknown, durationMs: number): Promise<AppError> {
  if (!isRobloxFailure(err) && !(err instanceof AppError)) console.error('[lookup] unexpected error:', err);
  const reason = err instanceof Error ? err.message : 'unknown error';
  const refunded = await dbStep(`Look-up #${c.searchId} failed and its refund is not recorded yet. ${SWEEP_PROMISE}`, () =>
    refund(db, c.searchId, err instanceof RobloxRejectedError ? 'rejected' : 'refunded', reason, durationMs),
  );
  if (isRobloxFailure(err)) return robloxFailure(err, plan, refunded);
  const money = refunded ? `Your ${plural(refunded)} ${refunded === 1 ? 'was' : 'were'} refunded.` : 'No credits were charged.';
  if (err instanceof AppError) return new AppError(err.code, err.message, `${String(err.details)} ${money}`, err.headers);
  return new AppError('internal', 'The look-up failed', `Look-up #${c.searchId} could not be completed. ${money}`);
}

/** Roblox's part of the budget a look-up may take: every attempt of two calls in a row, with backoffs. */
function leaseMs(): number {
  const { timeoutMs, maxRetries } = config.roblox;
  return 2 * (timeoutMs * (maxRetries + 1) + 2_000 * maxRetries) + 1_000;
}

export async function runSearch(db: Db, caller: Who, input: SearchInput, opts: { claim?: Claim } = {}): Promise<SearchResult> {
  const plan = planOf(input);
  const roblox = robloxProvider();
  const store = await dbStep('Nothing was charged.', () => lookupStore(db));
  let charged: Charge | undefined;
  let started = Date.now();

  const lead = async (): Promise<Answer> => {
    // The offline data set calls nobody, so only the live client is rate limited.
    let gate: LookupGate | undefined;
    if (roblox.name === 'live') gate = await reserveRobloxCalls(store, plan.calls);
    try {
      charged = await charge(db, caller, plan, opts.claim);
      started = Date.now();
      return await plan.fetch(roblox, gate);
    } finally {
      await gate?.finish();
    }
  };

  let answer: Answer;
  try {
    ({ answer } = await obtain(store, plan.cacheKey, {
      ttlSeconds: config.roblox.cacheSeconds,
      leaseMs: leaseMs(),
      lead,
      isShared: isRobloxFailure,
    }));
  } catch (err) {
    if (charged) throw await failCharged(db, charged, plan, err, Date.now() - started);
    if (err instanceof SharedFailure) throw robloxFailure(err.cause, plan, null);
    if (isRobloxFailure(err)) throw robloxFailure(err, plan, null);
    throw err;
  }

  const presented = plan.present(answer);
  let searchId: number;
  let creditsCharged: number;
  let balance: number | null;
  if (charged) {
    const c = charged;
    searchId = c.searchId;
    ({ charged: creditsCharged, balance } = await dbStep(`Roblox answered, but the database did not confirm that look-up #${c.searchId} was recorded. ${SWEEP_PROMISE}`, () =>
      settle(db, c, presented.resultCount, presented.units, Date.now() - started),
    ));
  } else {
    ({ searchId, cost: creditsCharged, balance } = await chargeAnswered(db, caller, plan, presented.resultCount, presented.units, opts.claim));
  }
  // The balance as the look-up's own statement left it; read only when it wrote no balance (a free
  // look-up, or one the stale-look-up sweep refunded meanwhile).
  balance ??= (
    await dbStep(`Look-up #${searchId} was answered and charged ${plural(creditsCharged)}; see the look-up history.`, () => getBalance(db, caller.customerId!))
  ).balance;
  return { ...presented.body, searchId, query: plan.query, creditsCharged, balance, cached: !charged };
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
  type: SearchType;
  status: 'pending' | 'success' | 'failed' | 'refunded' | 'rejected';
  resultCount: number | null;
  creditsCharged: number;
  cached: boolean;
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
  cached: boolean;
  duration_ms: number | null;
  error: string | null;
  created_at: Date;
}

/** A customer's look-ups, newest first (`customerId` undefined: every customer); the total is capped like the audit trail's. */
export async function listSearches(db: Queryable, customerId: number | undefined, q: SearchHistoryQuery): Promise<Page<SearchDto>> {
  const where = new Conditions().maybe('s.customer_id = ?', customerId).maybe('s.user_id = ?', q.userId).maybe('s.search_type = ?', q.type);
  return listPage(db, q, {
    where,
    countFrom: 'FROM searches s',
    select: (limit, offset) =>
      `SELECT s.id, s.user_id, u.username, s.query, s.search_type, s.status, s.result_count, s.credits_charged, s.cached,
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
      cached: r.cached,
      durationMs: r.duration_ms,
      error: r.error,
      createdAt: r.created_at.toISOString(),
    }),
  });
}
