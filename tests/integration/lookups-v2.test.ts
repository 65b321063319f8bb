import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addCredits, getBalance } from '@/app/lib/credits';
import type { Db, Queryable } from '@/app/lib/db/types';
import { AppError } from '@/app/lib/errors';
import { claimed } from '@/app/lib/http/idempotency';
import { listSearches, runSearch } from '@/app/lib/searches';
import { monthlySpend, MonthlyLimitError } from '@/app/lib/searches/limits';
import { priceList, setCustomerPrices, setPlatformPrices } from '@/app/lib/searches/prices';
import { fixtureResolveUsernames, fixtureUsers } from '@/app/lib/searches/roblox/fixture';
import { searchSchema } from '@/app/lib/searches/schemas';
import { searchUsage } from '@/app/lib/searches/usage';
import { rejection } from '../support/assert';
import { createTestDb, unique, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';
import { expectedGroups, expectedProfile } from '../support/roblox-expect';

/**
 * Look-ups v2 in the domain, on a database of their own (PGlite, and PostgreSQL when configured):
 * the four types, the price list in force when a look-up starts, per-name pricing, monthly limits
 * under concurrency, the shared cache in the database, claim-mode idempotency, and what a response
 * says when the database fails (issue 10, defect 6).
 */

const ENV_KEYS = ['ROBLOX_PROVIDER', 'SEARCH_CREDIT_COST', 'ROBLOX_CACHE_SECONDS'] as const;
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
function reset() {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  delete process.env.SEARCH_CREDIT_COST;
  process.env.ROBLOX_PROVIDER = 'fixture';
  process.env.ROBLOX_CACHE_SECONDS = '0';
}

let t: TestDatabase;
let db: Db;
beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  reset();
});
afterEach(async () => {
  reset();
  await db.query('DELETE FROM search_prices');
});
afterAll(async () => {
  reset();
  await t?.drop();
});

async function newCaller(credits = 0, monthlyCreditLimit: number | null = null) {
  const { rows } = await db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('V2')]);
  const customerId = rows[0]!.id;
  const user = await db.query<{ id: number }>(
    `INSERT INTO users (username, password_hash, role, customer_id, monthly_credit_limit) VALUES ($1, 'x', 'USER', $2, $3) RETURNING id`,
    [unique('u'), customerId, monthlyCreditLimit],
  );
  if (credits) await addCredits(db, { customerId, userId: null, type: 'purchase', amount: credits, description: 'setup' });
  return { id: user.rows[0]!.id, customerId };
}

const input = (query: string, type = 'keyword') => searchSchema.parse({ query, type });
const ledger = async (customerId: number) =>
  (await db.query<{ type: string; amount: number }>('SELECT type, amount FROM credit_transactions WHERE customer_id = $1 ORDER BY id', [customerId])).rows.map(
    (r) => [r.type, r.amount],
  );

const known = fixtureUsers.find((u) => u.previousUsernames.length > 0)!;

describe('the four look-up types', () => {
  it('profile: the user with headshot, friend/follower/following counts and username history', async () => {
    const c = await newCaller(5);
    const r = await runSearch(db, c, input(String(known.id), 'profile'));
    expect(r).toMatchObject({ type: 'profile', profile: expectedProfile(known.id), creditsCharged: 1, balance: 4, cached: false });
    if (r.type !== 'profile') throw new Error('type');
    expect(r.profile.usernameHistory.length).toBeGreaterThan(0);
    expect(r.profile.headshotUrl).toMatch(/^data:image\/svg\+xml/);
  });

  it('groups: memberships with role and rank; an unknown user is a 404, refunded', async () => {
    const c = await newCaller(5);
    const withGroups = fixtureUsers.find((u) => expectedGroups(u.id).length > 0)!;
    const r = await runSearch(db, c, input(String(withGroups.id), 'groups'));
    expect(r).toMatchObject({ type: 'groups', userId: withGroups.id, groups: expectedGroups(withGroups.id), creditsCharged: 1 });
    const err = await rejection(runSearch(db, c, input('2', 'groups')));
    expect(err).toMatchObject({ status: 404, message: 'Roblox user not found' });
    expect(await ledger(c.customerId)).toEqual([['purchase', 5], ['usage', -1], ['usage', -1], ['refund', 1]]);
  });

  it('usernames: priced per name resolved — reserved for every name, the unresolved ones refunded', async () => {
    const c = await newCaller(10);
    await setCustomerPrices(db, c.id, c.customerId, { prices: { usernames: 2 } });
    const names = [fixtureUsers[1]!.name, 'NobodyCalledThis', fixtureUsers[2]!.name.toUpperCase()];
    const r = await runSearch(db, c, input(names.join('\n'), 'usernames'));
    expect(r).toMatchObject({ type: 'usernames', creditsCharged: 4, balance: 6, query: names.join(', ') });
    if (r.type !== 'usernames') throw new Error('type');
    expect(r.users.map((u) => u.requestedUsername)).toEqual([names[0], names[2]]);
    expect(r.users.map((u) => u.id)).toEqual(fixtureResolveUsernames([names[0]!, names[2]!]).map((m) => m.id));
    expect(r.unresolved).toEqual(['NobodyCalledThis']);
    expect(await ledger(c.customerId)).toEqual([['purchase', 10], ['usage', -6], ['refund', 2]]);
    const [row] = (await listSearches(db, c.customerId, {})).items;
    expect(row).toMatchObject({ type: 'usernames', status: 'success', resultCount: 2, creditsCharged: 4 });
  });

  it.each([
    ['', 'keyword', /Query is required/],
    ['x'.repeat(51), 'keyword', /at most 50/],
    ['ブロックス', 'keyword', /Latin letters/],
    ['12a', 'profile', /numeric Roblox user ID/],
    ['0123', 'groups', /numeric Roblox user ID/],
    ['١٢٣', 'groups', /numeric Roblox user ID/],
    [' , ,\n', 'usernames', /at least one username/],
    [Array.from({ length: 101 }, (_, i) => `name${i}`).join(','), 'usernames', /At most 100 usernames/],
    ['alpha,Alpha', 'usernames', /more than once/],
    ['ok_name,bad name!', 'usernames', /Not a Roblox username/],
    ['naïve', 'usernames', /Not a Roblox username/],
  ])('%j as %s → 400 before anything is charged', (query, type, message) => {
    const r = searchSchema.safeParse({ query, type });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(message);
  });
});

describe('the price list', () => {
  it('SEARCH_CREDIT_COST is every type’s default; the platform list, then a customer’s override, win', async () => {
    process.env.SEARCH_CREDIT_COST = '2';
    const c = await newCaller(100);
    expect(await priceList(db, c.customerId)).toEqual({
      keyword: { credits: 2, per: 'lookup', source: 'default' },
      profile: { credits: 2, per: 'lookup', source: 'default' },
      groups: { credits: 2, per: 'lookup', source: 'default' },
      usernames: { credits: 2, per: 'name', source: 'default' },
    });
    await setPlatformPrices(db, c.id, { prices: { profile: 5, groups: 0 } });
    await setCustomerPrices(db, c.id, c.customerId, { prices: { profile: 3 } });
    const list = await priceList(db, c.customerId);
    expect(list.profile).toEqual({ credits: 3, per: 'lookup', source: 'customer' });
    expect(list.groups).toEqual({ credits: 0, per: 'lookup', source: 'platform' });
    expect((await priceList(db, null)).profile).toEqual({ credits: 5, per: 'lookup', source: 'platform' });
    expect((await runSearch(db, c, input(String(known.id), 'profile'))).creditsCharged).toBe(3);
    expect((await runSearch(db, c, input(String(known.id), 'groups'))).creditsCharged).toBe(0);
    expect((await runSearch(db, c, input('blox'))).creditsCharged).toBe(2);
    // A PUT replaces the list: profile left out goes back to the platform's price.
    await setCustomerPrices(db, c.id, c.customerId, { prices: {} });
    expect((await priceList(db, c.customerId)).profile.source).toBe('platform');
  });
});

describe('monthly limits', () => {
  it('402 "Monthly limit reached" without charging; refunds give the allowance back', async () => {
    const c = await newCaller(100, 3);
    await runSearch(db, c, input('blox'));
    await rejection(runSearch(db, c, input('ab'))); // refunded: the allowance comes back
    await runSearch(db, c, input('builder'));
    expect(await monthlySpend(db, c.id)).toMatchObject({ limit: 3, spent: 2, remaining: 1 });
    await setCustomerPrices(db, c.id, c.customerId, { prices: { keyword: 2 } });
    const err = await rejection(runSearch(db, c, input('blox')));
    expect(err).toBeInstanceOf(MonthlyLimitError);
    expect(err).toMatchObject({ status: 402, message: 'Monthly limit reached', code: 'monthly_limit_reached' });
    expect(err.details).toMatch(/monthly limit is 3: 2 spent this month, 1 left/);
    expect(err.details).toMatch(/No credits were charged/);
    expect((await getBalance(db, c.customerId)).balance).toBe(98);
    expect((await listSearches(db, c.customerId, {})).total).toBe(3);
  });

  it(`50 concurrent look-ups with 10 credits of allowance left spend exactly 10${onPostgres ? ' (pg pool)' : ' (PGlite)'}`, async () => {
    const c = await newCaller(1_000, 12);
    await runSearch(db, c, input('blox'));
    await runSearch(db, c, input('blox'));
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => runSearch(db, c, input('blox'))));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    for (const r of refused) expect(r.reason).toBeInstanceOf(MonthlyLimitError);
    expect(await monthlySpend(db, c.id)).toMatchObject({ spent: 12, remaining: 0 });
    expect((await getBalance(db, c.customerId)).balance).toBe(1_000 - 12);
  });
});

describe('the shared cache (database store)', () => {
  it('the same question within ROBLOX_CACHE_SECONDS is answered from the cache, charged, marked cached; failures are not cached', async () => {
    process.env.ROBLOX_CACHE_SECONDS = '300';
    const c = await newCaller(10);
    const keyword = unique('blox').toLowerCase();
    const first = await runSearch(db, c, input(keyword));
    const second = await runSearch(db, c, input(`  ${keyword.toUpperCase()} `));
    expect(first.cached).toBe(false);
    expect(second).toMatchObject({ cached: true, creditsCharged: 1, balance: 8 });
    const [newest, older] = (await listSearches(db, c.customerId, {})).items;
    expect([newest!.cached, older!.cached]).toEqual([true, false]);
    // A rejection is no answer: asked again, it is rejected (and refunded) again, never served from the cache.
    await rejection(runSearch(db, c, input('ab')));
    await rejection(runSearch(db, c, input('ab')));
    expect((await db.query(`SELECT 1 FROM roblox_cache WHERE key = 'keyword:ab'`)).rowCount).toBe(0);
  });

  it('ROBLOX_CACHE_SECONDS=0 stores nothing', async () => {
    const c = await newCaller(2);
    const keyword = unique('nocache').toLowerCase();
    await runSearch(db, c, input(keyword));
    expect((await runSearch(db, c, input(keyword))).cached).toBe(false);
    expect((await db.query('SELECT 1 FROM roblox_cache WHERE key = $1', [`keyword:${keyword}`])).rowCount).toBe(0);
  });
});

describe('Idempotency-Key for look-ups (claim mode)', () => {
  const request = (userId: number, key: string, body: unknown) => ({ userId, key, endpoint: 'searches.run', request: { body } });

  it('same key: one charge and the first answer replayed; another request with the key is a 409', async () => {
    const c = await newCaller(5);
    const body = input('blox');
    const r = request(c.id, unique('key'), body);
    const run = () => claimed(db, r, async (claim) => ({ status: 200, body: await runSearch(db, c, body, { claim }) }));
    const first = await run();
    const again = await run();
    expect(again).toEqual(first);
    expect((await getBalance(db, c.customerId)).balance).toBe(4);
    const other = await rejection(claimed(db, request(c.id, r.key, input('builder')), async () => ({ status: 200, body: {} })));
    expect(other).toMatchObject({ status: 409, message: 'Idempotency key reused' });
  });

  it('a retry while the first is in flight is a 409 "Request in progress"; an error answer is replayed too', async () => {
    const c = await newCaller(5);
    const body = input('1', 'profile');
    const r = request(c.id, unique('key'), body);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = claimed(db, r, async (claim) => {
      const out = runSearch(db, c, body, { claim });
      out.catch(() => undefined); // awaited below, after the gate
      await gate;
      return { status: 200, body: await out };
    }).catch((e: unknown) => e);
    // Wait until the claim is in the database, then retry.
    for (let i = 0; i < 100 && (await db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [r.key])).rowCount === 0; i++) {
      await new Promise((res) => setTimeout(res, 10));
    }
    const during = await rejection(claimed(db, r, async () => ({ status: 200, body: {} })));
    expect(during).toMatchObject({ status: 409, message: 'Request in progress' });
    expect(during.details).toMatch(/look-up #\d+/);
    release();
    const err = await first;
    expect(err).toMatchObject({ status: 404, message: 'Roblox user not found' });
    const replay = await claimed(db, r, async () => ({ status: 200, body: {} }));
    expect(replay).toEqual({ status: 404, body: (err as AppError).toJSON() });
    expect(await ledger(c.customerId)).toEqual([['purchase', 5], ['usage', -1], ['refund', 1]]);
  });

  it('refused before the claim (402): nothing stored, the same key works once credits are added', async () => {
    const c = await newCaller(0);
    const body = input('blox');
    const r = request(c.id, unique('key'), body);
    const run = () => claimed(db, r, async (claim) => ({ status: 200, body: await runSearch(db, c, body, { claim }) }));
    expect(await rejection(run())).toMatchObject({ status: 402 });
    await addCredits(db, { customerId: c.customerId, userId: null, type: 'purchase', amount: 1, description: 'top-up' });
    expect((await run()).status).toBe(200);
    expect((await getBalance(db, c.customerId)).balance).toBe(0);
  });
});

describe('what a look-up says when the database fails (issue 10, defect 6)', () => {
  /** The test database, except that statements matching `failing` throw like a dropped connection (once armed). */
  /** The connection drops on the statement matching `failing`: before it runs, or (`after`) once it ran and committed, its answer lost. */
  function flaky(failing: RegExp, when: 'before' | 'after' = 'before') {
    const state = { armed: false };
    const boom = () => Object.assign(new Error('terminating connection due to administrator command: relation "customer_credits" secret detail'), { code: '57P01' });
    const wrap = (q: Queryable): Queryable => ({
      query: (sql, params) => {
        if (!state.armed || !failing.test(sql)) return q.query(sql, params);
        return when === 'before' ? Promise.reject(boom()) : q.query(sql, params).then(() => Promise.reject(boom()));
      },
      exec: (sql) => q.exec(sql),
    });
    const faulty: Db = {
      kind: db.kind,
      ...wrap(db),
      transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
      reads: () => wrap(db),
      status: () => db.status(),
      writePosition: () => db.writePosition(),
      close: () => db.close(),
    };
    return { faulty, state };
  }

  it('marked successful, then the connection drops before the answer: 503, no refund claimed, no PostgreSQL text; the look-up stays answered and charged', async () => {
    const c = await newCaller(3);
    const { faulty, state } = flaky(/^UPDATE searches SET status = 'success'/, 'after');
    state.armed = true;
    const err = await rejection(runSearch(faulty, c, input('blox')));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 503, code: 'unavailable', message: 'Service temporarily unavailable' });
    const text = JSON.stringify(err.toJSON());
    expect(text).not.toMatch(/was refunded|were refunded|could not be recorded/);
    expect(text).not.toMatch(/Roblox is unavailable|customer_credits|administrator command|secret/);
    expect(err.details).toMatch(/did not confirm that look-up #\d+ was recorded/);
    expect(err.details).toMatch(/left unfinished is refunded automatically/);
    expect(await ledger(c.customerId)).toEqual([['purchase', 3], ['usage', -1]]);
    expect((await listSearches(db, c.customerId, {})).items[0]).toMatchObject({ status: 'success', creditsCharged: 1 });
  });

  it('a free look-up answered from the cache, then the balance read fails: 503 that says it was answered and charged nothing', async () => {
    // Free and answered at once, its statement writes no balance, so the balance is read after.
    process.env.SEARCH_CREDIT_COST = '0';
    process.env.ROBLOX_CACHE_SECONDS = '300';
    const c = await newCaller(3);
    await runSearch(db, c, input('blox'));
    const { faulty, state } = flaky(/^SELECT balance, total_purchased/);
    state.armed = true;
    const err = await rejection(runSearch(faulty, c, input('blox')));
    expect(err).toMatchObject({ status: 503, code: 'unavailable' });
    expect(err.details).toMatch(/was answered and charged 0 credits/);
    expect(JSON.stringify(err.toJSON())).not.toMatch(/refunded|customer_credits|secret/);
    expect((await listSearches(db, c.customerId, {})).items[0]).toMatchObject({ status: 'success', creditsCharged: 0, cached: true });
  });

  it('Roblox failed and the refund could not be written: 503 that promises the automatic refund, not a refund that did not happen', async () => {
    const c = await newCaller(3);
    const { faulty, state } = flaky(/^UPDATE searches SET status = \$2/);
    state.armed = true;
    const err = await rejection(runSearch(faulty, c, input('ab')));
    expect(err).toMatchObject({ status: 503, code: 'unavailable' });
    expect(err.details).toMatch(/refund is not recorded yet/);
    expect(err.details).toMatch(/refunded automatically/);
    expect(JSON.stringify(err.toJSON())).not.toMatch(/secret|customer_credits/);
    // The look-up is still pending, so the sweep will refund it.
    expect((await listSearches(db, c.customerId, {})).items[0]).toMatchObject({ status: 'pending' });
  });

  it('the charge itself fails: 503, nothing said about Roblox', async () => {
    const c = await newCaller(3);
    const { faulty, state } = flaky(/search_charge\(/);
    state.armed = true;
    const err = await rejection(runSearch(faulty, c, input('blox')));
    expect(err).toMatchObject({ status: 503 });
    expect(err.details).toMatch(/The look-up was not run/);
    expect(await ledger(c.customerId)).toEqual([['purchase', 3]]);
  });
});

describe('usage', () => {
  it('credits and counts by user, type and day; refunded look-ups hold no credits', async () => {
    const a = await newCaller(20);
    const other = await db.query<{ id: number }>(
      `INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, 'x', 'USER', $2) RETURNING id`,
      [unique('u'), a.customerId],
    );
    const b = { id: other.rows[0]!.id, customerId: a.customerId };
    await runSearch(db, a, input('blox'));
    await runSearch(db, a, input(String(known.id), 'profile'));
    await rejection(runSearch(db, b, input('ab')));
    await runSearch(db, b, input('builder'));
    const byType = await searchUsage(db, a.customerId, { groupBy: 'type' });
    expect(byType.items).toEqual([
      { type: 'keyword', lookups: 3, answered: 2, cached: 0, credits: 2 },
      { type: 'profile', lookups: 1, answered: 1, cached: 0, credits: 1 },
    ]);
    expect(byType.totals).toEqual({ lookups: 4, answered: 3, cached: 0, credits: 3 });
    const byUser = await searchUsage(db, a.customerId, { groupBy: 'user' });
    expect(new Map(byUser.items.map((r) => [r.userId, [r.lookups, r.credits]]))).toEqual(new Map([[a.id, [2, 2]], [b.id, [2, 1]]]));
    const byDay = await searchUsage(db, a.customerId, { groupBy: 'day' });
    expect(byDay.items).toEqual([{ day: new Date().toISOString().slice(0, 10), lookups: 4, answered: 3, cached: 0, credits: 3 }]);
    const none = await searchUsage(db, a.customerId, { groupBy: 'type', from: '2000-01-01', to: '2000-02-01' });
    expect(none.items).toEqual([]);
  });
});
