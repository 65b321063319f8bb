import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveClient, type LiveClientOptions } from '@/app/lib/searches/roblox/client';
import { fixtureProvider, fixtureSearch, fixtureUser, fixtureUsers } from '@/app/lib/searches/roblox/fixture';
import { RobloxRejectedError, RobloxUnavailableError, type RobloxProvider } from '@/app/lib/searches/roblox/types';
import { startFakeRoblox, type FakeRoblox } from '../support/fake-roblox';
import { rejection } from '../support/assert';

/**
 * The live Roblox Users API client (src/app/lib/searches/roblox/client.ts) against a local fake Roblox of
 * this file's own, and the offline fixture provider answering exactly as the live client does.
 * Small timeouts and backoffs keep the whole file to a few seconds.
 */

const SLOW_MS = 3_000;
// Generous enough that a loaded 2-core machine never times out an answer the fake gives at once.
const TIMEOUT_MS = 400;
const BACKOFF_MS = 5;

let fake: FakeRoblox;
beforeAll(async () => {
  fake = await startFakeRoblox({ slowMs: SLOW_MS });
});
afterAll(async () => {
  await fake?.close();
});

function client(opts: Partial<LiveClientOptions> = {}): RobloxProvider {
  return createLiveClient({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS, maxRetries: 2, backoffMs: BACKOFF_MS, ...opts });
}

let n = 0;
/** A keyword the fake has never seen, so its request count starts at 0. */
const fresh = (prefix: string) => `${prefix}${Date.now().toString(36)}${(n++).toString(36)}`;


const known = fixtureUsers[0]!;
const UNKNOWN_ID = 1; // not in the data set
const bloxMatches = fixtureUsers.filter((u) => `${u.name} ${u.displayName}`.toLowerCase().includes('blox')).length;

describe('createLiveClient: answers', () => {
  it('searchUsers answers the validated users Roblox sent, honouring the limit', async () => {
    const roblox = client();
    expect(roblox.name).toBe('live');
    const users = await roblox.searchUsers('blox', 10);
    expect(users).toHaveLength(10);
    expect(users).toEqual(fixtureSearch('blox', 10));
    for (const u of users) {
      expect(Object.keys(u).sort()).toEqual(['displayName', 'hasVerifiedBadge', 'id', 'name', 'previousUsernames']);
      expect(u.id).toBeTypeOf('number');
      expect(`${u.name} ${u.displayName}`.toLowerCase()).toContain('blox');
    }
    // The limit reaches Roblox: a bigger page answers every match (the data set has more than 10).
    expect(bloxMatches).toBeGreaterThan(10);
    expect(await roblox.searchUsers('blox', 25)).toHaveLength(bloxMatches);
    expect(fake.requestsFor('blox')).toBe(2);
  });

  it('keywords are URL-encoded (spaces, &, =) and a trailing slash on the base URL is harmless', async () => {
    const roblox = client({ baseUrl: `${fake.url}/` });
    const withSpace = known.displayName.includes(' ') ? known.displayName : fixtureUsers.find((u) => u.displayName.includes(' '))!.displayName;
    expect(await roblox.searchUsers(withSpace)).toEqual(fixtureSearch(withSpace));
    expect((await roblox.searchUsers(withSpace)).length).toBeGreaterThan(0);
    const tricky = 'blox&limit=100';
    expect(await roblox.searchUsers(tricky)).toEqual([]);
    expect(fake.requestsFor(tricky)).toBe(1);
  });

  it('no match is an empty list, not an error', async () => {
    expect(await client().searchUsers(fresh('zzqx'))).toEqual([]);
  });

  it('getUser answers the profile', async () => {
    const profile = await client().getUser(known.id);
    expect(profile).toEqual(fixtureUser(known.id));
    expect(profile).toMatchObject({ id: known.id, name: known.name, displayName: known.displayName, isBanned: known.isBanned });
    expect(profile).not.toHaveProperty('previousUsernames');
    expect(fake.requestsFor(`id:${known.id}`)).toBeGreaterThanOrEqual(1);
  });
});

describe('createLiveClient: retries are bounded', () => {
  it("'flaky…' (503 twice, then an answer) succeeds on the 3rd attempt with maxRetries 2", async () => {
    const keyword = fresh('flaky');
    const users = await client({ maxRetries: 2 }).searchUsers(keyword);
    expect(users).toEqual(fixtureSearch('blox'));
    expect(fake.requestsFor(keyword)).toBe(3);
  });

  it("'flaky…' fails with RobloxUnavailableError with maxRetries 1, after exactly 2 requests", async () => {
    const keyword = fresh('flaky');
    const err = await rejection(client({ maxRetries: 1 }).searchUsers(keyword));
    expect(err).toBeInstanceOf(RobloxUnavailableError);
    expect(err.message).toMatch(/2 attempts/);
    expect(err.message).toMatch(/HTTP 503/);
    expect(fake.requestsFor(keyword)).toBe(2);
  });

  for (const [prefix, status] of [
    ['fail500', 500],
    ['ratelimited', 429],
  ] as const) {
    it.each([0, 1, 2, 3])(`'${prefix}…' → RobloxUnavailableError after exactly maxRetries+1 requests (maxRetries %i)`, async (maxRetries) => {
      const keyword = fresh(prefix);
      const err = await rejection(client({ maxRetries }).searchUsers(keyword));
      expect(err).toBeInstanceOf(RobloxUnavailableError);
      expect(err).not.toBeInstanceOf(RobloxRejectedError);
      expect(err.name).toBe('RobloxUnavailableError');
      expect(err.message).toContain(`HTTP ${status}`);
      expect(err.message).toContain(`${maxRetries + 1} attempt`);
      expect(fake.requestsFor(keyword)).toBe(maxRetries + 1);
    });
  }

  it("'slow…' → RobloxUnavailableError naming the timeout, bounded in total time", async () => {
    const keyword = fresh('slow');
    const maxRetries = 2;
    const started = Date.now();
    const err = await rejection(client({ maxRetries }).searchUsers(keyword));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(RobloxUnavailableError);
    expect(err.message).toMatch(new RegExp(`no answer within ${TIMEOUT_MS} ms`));
    expect(err.message).toContain(`${maxRetries + 1} attempts`);
    expect(fake.requestsFor(keyword)).toBe(maxRetries + 1);
    // Three attempts of 150 ms plus tiny backoffs: nowhere near one slow answer (1.5 s).
    expect(elapsed).toBeGreaterThanOrEqual((maxRetries + 1) * TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(SLOW_MS);
  });

  it('an unreachable Roblox (connection refused) → RobloxUnavailableError after bounded attempts', async () => {
    const closed = await startFakeRoblox();
    const url = closed.url;
    await closed.close();
    const started = Date.now();
    const err = await rejection(createLiveClient({ baseUrl: url, timeoutMs: TIMEOUT_MS, maxRetries: 1, backoffMs: BACKOFF_MS }).searchUsers('blox'));
    expect(err).toBeInstanceOf(RobloxUnavailableError);
    expect(err.message).toMatch(/2 attempts/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a body that stalls past the timeout is a timeout too: retried, bounded, reported as a timeout (not "malformed")', async () => {
    // Headers and half a body arrive in time, the rest never does (a stalled connection).
    let requests = 0;
    const stalling = http.createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"previousPageCursor": null, "data": [');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
      const maxRetries = 2;
      const started = Date.now();
      const err = await rejection(createLiveClient({ baseUrl, timeoutMs: TIMEOUT_MS, maxRetries, backoffMs: BACKOFF_MS }).searchUsers('blox'));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(err).toBeInstanceOf(RobloxUnavailableError);
      expect(err.message).toMatch(new RegExp(`no answer within ${TIMEOUT_MS} ms`));
      expect(err.message).not.toMatch(/malformed/);
      expect(requests).toBe(maxRetries + 1);
    } finally {
      stalling.closeAllConnections();
      stalling.close();
    }
  });

  it.each(['malformed', 'wrongshape'])("'%s…' → RobloxUnavailableError without retrying", async (prefix) => {
    const keyword = fresh(prefix);
    const err = await rejection(client({ maxRetries: 2 }).searchUsers(keyword));
    expect(err).toBeInstanceOf(RobloxUnavailableError);
    expect(err.message).toMatch(prefix === 'malformed' ? /malformed/ : /unexpected shape/);
    expect(fake.requestsFor(keyword)).toBe(1);
  });
});

describe('createLiveClient: Roblox rejecting the request is the caller’s input, not retried', () => {
  it("keyword 'ab' → RobloxRejectedError 400, code 6, 'The keyword is too short.'", async () => {
    const keyword = 'ab';
    const before = fake.requestsFor(keyword);
    const err = await rejection(client().searchUsers(keyword));
    expect(err).toBeInstanceOf(RobloxRejectedError);
    expect(err).toMatchObject({ status: 400, code: 6, message: 'The keyword is too short.' });
    expect(fake.requestsFor(keyword)).toBe(before + 1);
  });

  it("'freerobux' → filtered (400, code 5)", async () => {
    const before = fake.requestsFor('freerobux');
    const err = await rejection(client().searchUsers('freerobux'));
    expect(err).toBeInstanceOf(RobloxRejectedError);
    expect(err).toMatchObject({ status: 400, code: 5, message: 'The keyword was filtered.' });
    expect(fake.requestsFor('freerobux')).toBe(before + 1);
  });

  it('an unknown user id → RobloxRejectedError 404, code 3', async () => {
    const before = fake.requestsFor(`id:${UNKNOWN_ID}`);
    const err = await rejection(client().getUser(UNKNOWN_ID));
    expect(err).toBeInstanceOf(RobloxRejectedError);
    expect(err).toMatchObject({ status: 404, code: 3, message: 'The user id is invalid.' });
    expect(fake.requestsFor(`id:${UNKNOWN_ID}`)).toBe(before + 1);
  });
});

describe('fixtureProvider (ROBLOX_PROVIDER=fixture) answers exactly as the live client does', () => {
  /** What a provider answers, or how it fails, in comparable form. */
  async function outcome(p: Promise<unknown>) {
    try {
      return { ok: await p };
    } catch (err) {
      const e = err as RobloxRejectedError;
      return { failed: e.constructor.name, status: e.status, code: e.code, message: e.message };
    }
  }

  const keywords = ['blox', 'BLOX', 'builder', known.name, known.displayName, 'ab', 'x', 'freerobux', 'scam', 'nomatchatall'];
  it.each(keywords)('searchUsers(%j)', async (keyword) => {
    const live = await outcome(client().searchUsers(keyword, 10));
    const fixture = await outcome(fixtureProvider.searchUsers(keyword, 10));
    expect(fixtureProvider.name).toBe('fixture');
    expect(fixture).toEqual(live);
  });

  const ids = [known.id, fixtureUsers[1]!.id, fixtureUsers[fixtureUsers.length - 1]!.id, UNKNOWN_ID, 999_999_999_999];
  it.each(ids)('getUser(%i)', async (id) => {
    const live = await outcome(client().getUser(id));
    const fixture = await outcome(fixtureProvider.getUser(id));
    expect(fixture).toEqual(live);
  });
});
