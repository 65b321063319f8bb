import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addCredits, consumeCredits, getBalance, InsufficientCreditsError } from '@/app/lib/credits';
import type { Db } from '@/app/lib/db/types';
import { AppError } from '@/app/lib/errors';
import { fixtureSearch, fixtureUsers } from '@/app/lib/searches/roblox/fixture';
import { listSearches, refundStaleSearches, runSearch } from '@/app/lib/searches';
import { createTestDb, unique, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';
import { startFakeRoblox, type FakeRoblox } from '../support/fake-roblox';
import { rejection } from '../support/assert';
import { expectedProfile } from '../support/roblox-expect';

/**
 * Paid look-ups (src/app/lib/searches.ts) on a database of their own: the debit before Roblox is
 * asked, the searches row, refunds when Roblox can't answer or rejects the query, the sweep for
 * interrupted look-ups, and the ledger invariants through all of it.
 */

const ENV_KEYS = ['ROBLOX_PROVIDER', 'ROBLOX_USERS_API_URL', 'ROBLOX_TIMEOUT_MS', 'ROBLOX_MAX_RETRIES', 'SEARCH_CREDIT_COST', 'ROBLOX_CACHE_SECONDS'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
function restoreEnv() {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
}
function useFixtureRoblox() {
  restoreEnv();
  delete process.env.SEARCH_CREDIT_COST;
  process.env.ROBLOX_PROVIDER = 'fixture';
  // Each look-up here asks the provider itself; the shared cache has suites of its own (lookups-shared.test.ts).
  process.env.ROBLOX_CACHE_SECONDS = '0';
}

let t: TestDatabase;
let db: Db;
let fake: FakeRoblox;
beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  fake = await startFakeRoblox({ slowMs: 2_000 });
  useFixtureRoblox();
});
afterEach(() => useFixtureRoblox());
afterAll(async () => {
  restoreEnv();
  await fake?.close();
  await t?.drop();
});

async function newCaller(credits = 0): Promise<{ id: number; customerId: number; username: string }> {
  const { rows } = await db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('Lookups')]);
  const customerId = rows[0]!.id;
  const username = unique('u');
  const user = await db.query<{ id: number }>(
    `INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, 'not-a-hash', 'USER', $2) RETURNING id`,
    [username, customerId],
  );
  if (credits) await addCredits(db, { customerId, userId: null, type: 'purchase', amount: credits, description: 'setup' });
  return { id: user.rows[0]!.id, customerId, username };
}

interface SearchRow {
  id: number;
  user_id: number;
  query: string;
  search_type: string;
  status: string;
  result_count: number | null;
  credits_charged: number;
  duration_ms: number | null;
  error: string | null;
}

async function searchesOf(customerId: number): Promise<SearchRow[]> {
  const { rows } = await db.query<SearchRow>(
    `SELECT id, user_id, query, search_type, status, result_count, credits_charged, duration_ms, error
       FROM searches WHERE customer_id = $1 ORDER BY id`,
    [customerId],
  );
  return rows;
}

interface LedgerRow {
  id: number;
  type: string;
  amount: number;
  balance_before: number;
  balance_after: number;
  description: string;
  user_id: number | null;
}

async function ledgerOf(customerId: number): Promise<LedgerRow[]> {
  const { rows } = await db.query<LedgerRow>(
    `SELECT id, type, amount, balance_before, balance_after, description, user_id
       FROM credit_transactions WHERE customer_id = $1 ORDER BY id`,
    [customerId],
  );
  return rows;
}

/** balance = Σ amount = newest balance_after; before/after form a gap-free chain from 0; never negative. */
async function expectLedgerConsistent(customerId: number) {
  const rows = await ledgerOf(customerId);
  const account = await getBalance(db, customerId);
  let previous = 0;
  for (const r of rows) {
    expect(r.balance_before, `row ${r.id} continues the chain`).toBe(previous);
    expect(r.balance_after).toBe(r.balance_before + r.amount);
    expect(r.balance_after).toBeGreaterThanOrEqual(0);
    previous = r.balance_after;
  }
  expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(account.balance);
  expect(previous).toBe(account.balance);
  expect(account.balance).toBe(account.totalPurchased - account.totalUsed);
  return { rows, account };
}


const known = fixtureUsers[0]!;

describe('runSearch: answered look-ups are charged', () => {
  it('a keyword search debits SEARCH_CREDIT_COST and records a success row with result count and duration', async () => {
    const caller = await newCaller(5);
    const result = await runSearch(db, caller, { query: 'blox', type: 'keyword' });
    expect(result).toEqual({
      type: 'keyword',
      searchId: expect.any(Number),
      query: 'blox',
      results: fixtureSearch('blox', 10),
      creditsCharged: 1,
      balance: 4,
      cached: false,
    });
    expect(result.type === 'keyword' && result.results).toHaveLength(10);

    const [row] = await searchesOf(caller.customerId);
    expect(row).toMatchObject({
      id: result.searchId,
      user_id: caller.id,
      query: 'blox',
      search_type: 'keyword',
      status: 'success',
      result_count: 10,
      credits_charged: 1,
      error: null,
    });
    expect(row!.duration_ms).toEqual(expect.any(Number));
    expect(row!.duration_ms).toBeGreaterThanOrEqual(0);

    const { rows, account } = await expectLedgerConsistent(caller.customerId);
    expect(rows.map((r) => [r.type, r.amount])).toEqual([
      ['purchase', 5],
      ['usage', -1],
    ]);
    expect(rows[1]!.user_id).toBe(caller.id);
    expect(rows[1]!.description).toContain(`#${result.searchId}`);
    expect(account).toMatchObject({ balance: 4, totalPurchased: 5, totalUsed: 1 });
  });

  it('a profile look-up answers the profile and counts one result', async () => {
    const caller = await newCaller(2);
    const result = await runSearch(db, caller, { query: String(known.id), type: 'profile' });
    expect(result).toEqual({
      type: 'profile',
      searchId: expect.any(Number),
      query: String(known.id),
      profile: expectedProfile(known.id),
      creditsCharged: 1,
      balance: 1,
      cached: false,
    });
    const [row] = await searchesOf(caller.customerId);
    expect(row).toMatchObject({ search_type: 'profile', status: 'success', result_count: 1, credits_charged: 1 });
    await expectLedgerConsistent(caller.customerId);
  });

  it('a search with no match is still an answer, and is charged', async () => {
    const caller = await newCaller(1);
    const result = await runSearch(db, caller, { query: 'nomatchatall', type: 'keyword' });
    expect(result).toMatchObject({ type: 'keyword', results: [], creditsCharged: 1, balance: 0 });
    expect((await searchesOf(caller.customerId))[0]).toMatchObject({ status: 'success', result_count: 0 });
  });

  it('SEARCH_CREDIT_COST=3 charges 3 (and refunds 3 when rejected)', async () => {
    process.env.SEARCH_CREDIT_COST = '3';
    const caller = await newCaller(10);
    const result = await runSearch(db, caller, { query: 'blox', type: 'keyword' });
    expect(result).toMatchObject({ creditsCharged: 3, balance: 7 });
    expect((await searchesOf(caller.customerId))[0]).toMatchObject({ status: 'success', credits_charged: 3 });

    const err = await rejection(runSearch(db, caller, { query: 'ab', type: 'keyword' }));
    expect(err).toMatchObject({ status: 400 });
    const { rows, account } = await expectLedgerConsistent(caller.customerId);
    expect(rows.slice(1).map((r) => [r.type, r.amount])).toEqual([
      ['usage', -3],
      ['usage', -3],
      ['refund', 3],
    ]);
    expect(account).toMatchObject({ balance: 7, totalUsed: 3 });

    // 7 → 4 → 1, and then 1 < 3: refused without a trace.
    await runSearch(db, caller, { query: 'blox', type: 'keyword' });
    await runSearch(db, caller, { query: 'blox', type: 'keyword' });
    const refused = await rejection(runSearch(db, caller, { query: 'blox', type: 'keyword' }));
    expect(refused).toBeInstanceOf(InsufficientCreditsError);
    expect(refused).toMatchObject({ status: 402, balance: 1, required: 3 });
    expect((await getBalance(db, caller.customerId)).balance).toBe(1);
    expect(await searchesOf(caller.customerId)).toHaveLength(4);
  });

  it('SEARCH_CREDIT_COST=0: look-ups are free, even at balance 0, and write no ledger row', async () => {
    process.env.SEARCH_CREDIT_COST = '0';
    const caller = await newCaller(0);
    const result = await runSearch(db, caller, { query: 'blox', type: 'keyword' });
    expect(result).toMatchObject({ creditsCharged: 0, balance: 0 });
    expect((await searchesOf(caller.customerId))[0]).toMatchObject({ status: 'success', credits_charged: 0 });
    expect(await ledgerOf(caller.customerId)).toEqual([]);
  });
});

describe('runSearch: nothing is charged for what Roblox did not answer', () => {
  it('insufficient balance → InsufficientCreditsError (402), no searches row, no ledger row', async () => {
    const caller = await newCaller(0);
    const err = await rejection(runSearch(db, caller, { query: 'blox', type: 'keyword' }));
    expect(err).toBeInstanceOf(InsufficientCreditsError);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 402, message: 'Insufficient credits', balance: 0, required: 1 });
    expect(await searchesOf(caller.customerId)).toEqual([]);
    expect(await ledgerOf(caller.customerId)).toEqual([]);
    const { rows } = await db.query<{ search_count: number }>('SELECT search_count FROM customer_counters WHERE customer_id = $1', [
      caller.customerId,
    ]);
    expect(rows[0]!.search_count).toBe(0);
  });

  it.each([
    ['ab', 'The keyword is too short.'],
    ['freerobux', 'The keyword was filtered.'],
  ])('a rejected keyword (%j) → 400 AppError, status rejected, a refund row, net cost 0', async (query, message) => {
    const caller = await newCaller(5);
    const before = await getBalance(db, caller.customerId);
    const err = await rejection(runSearch(db, caller, { query, type: 'keyword' }));
    expect(err).toBeInstanceOf(AppError);
    expect(err).not.toBeInstanceOf(InsufficientCreditsError);
    expect(err).toMatchObject({ status: 400, code: 'bad_request' });
    expect(err.message).toContain(message);
    expect(JSON.stringify(err.details)).toMatch(/No credits were charged/);

    const [row] = await searchesOf(caller.customerId);
    expect(row).toMatchObject({ status: 'rejected', credits_charged: 1, result_count: null });
    expect(row!.error).toContain(message);
    expect(row!.duration_ms).toEqual(expect.any(Number));

    const { rows, account } = await expectLedgerConsistent(caller.customerId);
    expect(rows.slice(1).map((r) => [r.type, r.amount])).toEqual([
      ['usage', -1],
      ['refund', 1],
    ]);
    expect(rows[2]!.description).toContain(`#${row!.id}`);
    expect(account).toEqual(before);
  });

  it('an unknown profile id → 404 AppError, status rejected, refunded', async () => {
    const caller = await newCaller(3);
    const before = await getBalance(db, caller.customerId);
    const err = await rejection(runSearch(db, caller, { query: '1', type: 'profile' }));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 404, message: 'Roblox user not found' });
    expect((await searchesOf(caller.customerId))[0]).toMatchObject({ status: 'rejected', search_type: 'profile' });
    const { account } = await expectLedgerConsistent(caller.customerId);
    expect(account).toEqual(before);
  });

  describe('live client against a fake Roblox (ROBLOX_PROVIDER unset)', () => {
    function useLiveRoblox() {
      delete process.env.ROBLOX_PROVIDER;
      process.env.ROBLOX_USERS_API_URL = fake.url;
      process.env.ROBLOX_TIMEOUT_MS = '300';
      process.env.ROBLOX_MAX_RETRIES = '1';
    }

    it('answers through the live client and charges', async () => {
      useLiveRoblox();
      const caller = await newCaller(2);
      const keyword = unique('blox').toLowerCase();
      const result = await runSearch(db, caller, { query: 'blox', type: 'keyword' });
      expect(result).toMatchObject({ type: 'keyword', results: fixtureSearch('blox'), balance: 1 });
      // Proof it went over HTTP: the fake counts requests per keyword.
      await runSearch(db, caller, { query: keyword, type: 'keyword' });
      expect(fake.requestsFor(keyword)).toBe(1);
    });

    it.each(['fail500', 'ratelimited', 'malformed', 'slow'])(
      "'%s…' → 502 AppError 'Roblox is unavailable', status refunded, a refund row, balance and total_used back",
      async (prefix) => {
        useLiveRoblox();
        const caller = await newCaller(4);
        await runSearch(db, caller, { query: 'blox', type: 'keyword' }); // some usage first
        const before = await getBalance(db, caller.customerId);
        const keyword = `${prefix}${unique('x')}`.slice(0, 50);
        const err = await rejection(runSearch(db, caller, { query: keyword, type: 'keyword' }));
        expect(err).toBeInstanceOf(AppError);
        expect(err).toMatchObject({ status: 502, code: 'bad_gateway', message: 'Roblox is unavailable' });
        expect(err.details).toMatch(/refunded/);
        expect(fake.requestsFor(keyword)).toBe(prefix === 'malformed' ? 1 : 2);

        const rows = await searchesOf(caller.customerId);
        expect(rows[1]).toMatchObject({ query: keyword, status: 'refunded', credits_charged: 1 });
        expect(rows[1]!.error).toBeTruthy();

        const { rows: ledger, account } = await expectLedgerConsistent(caller.customerId);
        expect(ledger.slice(-2).map((r) => [r.type, r.amount])).toEqual([
          ['usage', -1],
          ['refund', 1],
        ]);
        expect(account).toEqual(before);
        expect(account).toMatchObject({ balance: 3, totalUsed: 1 });
      },
    );
  });
});

describe('refundStaleSearches', () => {
  /** A look-up interrupted after its debit (a crash), made by hand, created `ageSeconds` ago. */
  async function interruptedLookup(caller: { id: number; customerId: number }, ageSeconds: number, cost = 1): Promise<number> {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO searches (customer_id, user_id, query, search_type, status, credits_charged, created_at)
         VALUES ($1, $2, 'blox', 'keyword', 'pending', $3, now() - make_interval(secs => $4)) RETURNING id`,
        [caller.customerId, caller.id, cost, ageSeconds],
      );
      await consumeCredits(tx, { customerId: caller.customerId, userId: caller.id, amount: cost, description: `Look-up #${rows[0]!.id}` });
      return rows[0]!.id;
    });
  }

  it('refunds only pending look-ups older than the threshold, exactly once even if called twice', async () => {
    const caller = await newCaller(10);
    const before = await getBalance(db, caller.customerId);
    const staleA = await interruptedLookup(caller, 600);
    const staleB = await interruptedLookup(caller, 300, 2);
    const recent = await interruptedLookup(caller, 30);
    // An old look-up that was answered is not touched.
    await runSearch(db, caller, { query: 'blox', type: 'keyword' });
    await db.query(`UPDATE searches SET created_at = now() - interval '1 hour' WHERE customer_id = $1 AND status = 'success'`, [
      caller.customerId,
    ]);
    expect((await getBalance(db, caller.customerId)).balance).toBe(10 - 1 - 2 - 1 - 1);

    // Two sweeps at once (two app instances), then another one later.
    await Promise.all([refundStaleSearches(db, 120), refundStaleSearches(db, 120)]);
    expect(await refundStaleSearches(db, 120)).toBe(0);

    const byId = new Map((await searchesOf(caller.customerId)).map((r) => [r.id, r]));
    expect(byId.get(staleA)).toMatchObject({ status: 'refunded' });
    expect(byId.get(staleA)!.error).toMatch(/interrupted/);
    expect(byId.get(staleB)).toMatchObject({ status: 'refunded' });
    expect(byId.get(recent)).toMatchObject({ status: 'pending' });
    expect([...byId.values()].filter((r) => r.status === 'success')).toHaveLength(1);

    const { rows, account } = await expectLedgerConsistent(caller.customerId);
    const refunds = rows.filter((r) => r.type === 'refund');
    expect(refunds.map((r) => r.amount).sort()).toEqual([1, 2]);
    expect(refunds.some((r) => r.description.includes(`#${staleA}`))).toBe(true);
    expect(refunds.some((r) => r.description.includes(`#${staleB}`))).toBe(true);
    // The recent pending one (1) and the answered one (1) stay paid.
    expect(account.balance).toBe(before.balance - 2);
    expect(account.totalUsed).toBe(2);

    // Once the recent one is old enough, it is refunded too; the answered one never is.
    expect(await refundStaleSearches(db, 10)).toBe(1);
    expect(await refundStaleSearches(db, 10)).toBe(0);
    expect((await getBalance(db, caller.customerId)).balance).toBe(before.balance - 1);
    await expectLedgerConsistent(caller.customerId);
  });
});

describe('listSearches', () => {
  it("lists one customer's look-ups newest first, with the user's name, filters and pages", async () => {
    const a = await newCaller(10);
    const b = await newCaller(10);
    const first = await runSearch(db, a, { query: 'blox', type: 'keyword' });
    await rejection(runSearch(db, a, { query: 'ab', type: 'keyword' }));
    const third = await runSearch(db, a, { query: String(known.id), type: 'profile' });
    await runSearch(db, b, { query: 'builder', type: 'keyword' });

    const page = await listSearches(db, a.customerId, {});
    expect(page.total).toBe(3);
    expect(page.items.map((s) => s.query)).toEqual([String(known.id), 'ab', 'blox']);
    expect(page.items[0]).toEqual({
      id: third.searchId,
      userId: a.id,
      username: a.username,
      query: String(known.id),
      type: 'profile',
      status: 'success',
      resultCount: 1,
      creditsCharged: 1,
      cached: false,
      durationMs: expect.any(Number),
      error: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(page.items[1]).toMatchObject({ status: 'rejected', resultCount: null });
    expect(page.items[2]).toMatchObject({ id: first.searchId, status: 'success', resultCount: 10 });

    const paged = await listSearches(db, a.customerId, { page: 2, pageSize: 2 });
    expect(paged).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(paged.items.map((s) => s.id)).toEqual([first.searchId]);

    expect((await listSearches(db, b.customerId, {})).items.map((s) => s.query)).toEqual(['builder']);
    expect((await listSearches(db, a.customerId, { userId: b.id })).total).toBe(0);
    const all = await listSearches(db, undefined, { pageSize: 100 });
    expect(all.items.some((s) => s.userId === a.id) && all.items.some((s) => s.userId === b.id)).toBe(true);
  });
});

describe('concurrency', () => {
  it(`balance 10, 50 concurrent look-ups: exactly 10 succeed, 40 are refused${onPostgres ? ' (pg pool)' : ' (PGlite)'}`, async () => {
    const caller = await newCaller(10);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => runSearch(db, caller, { query: 'blox', type: 'keyword' })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const f of failed) expect(f.reason).toBeInstanceOf(InsufficientCreditsError);
    for (const r of ok) expect((r as PromiseFulfilledResult<{ balance: number }>).value.balance).toBeGreaterThanOrEqual(0);
    const { rows, account } = await expectLedgerConsistent(caller.customerId);
    expect(account).toMatchObject({ balance: 0, totalUsed: 10 });
    expect(rows.filter((r) => r.type === 'usage')).toHaveLength(10);
    const searches = await searchesOf(caller.customerId);
    expect(searches).toHaveLength(10);
    expect(searches.every((s) => s.status === 'success')).toBe(true);
    const { rows: counters } = await db.query<{ search_count: number }>('SELECT search_count FROM customer_counters WHERE customer_id = $1', [
      caller.customerId,
    ]);
    expect(counters[0]!.search_count).toBe(10);
  });
});
