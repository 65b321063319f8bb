import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveClient } from '@/app/lib/searches/roblox/client';
import {
  fixtureFriendCounts,
  fixtureGroups,
  fixtureHeadshot,
  fixtureProvider,
  fixtureResolveUsernames,
  fixtureUsernameHistory,
  fixtureUsers,
} from '@/app/lib/searches/roblox/fixture';
import {
  RobloxRateLimitedError,
  RobloxRejectedError,
  RobloxUnavailableError,
  type RobloxApi,
  type RobloxCallGate,
  type RobloxProvider,
} from '@/app/lib/searches/roblox/types';
import { rejection } from '../support/assert';
import { faultyUserId, startFakeRoblox, type Fault, type FakeRoblox } from '../support/fake-roblox';

/**
 * The live client for each of Roblox's hosts (Users' username history and resolution, Thumbnails,
 * Friends, Groups) against the fake Roblox, each API on a port of its own: answers, Roblox's own
 * rejections, each fault on each host, the gate that meters every request, and the offline fixture
 * answering exactly as the live client does.
 */

// Per attempt: well above what a busy machine takes to answer locally (at 150 ms, a loaded 2-core box
// timed out the first attempt of a `malformed` answer and retried it, which read as a retried fault),
// and well below the `slow` fault's delay, so `slow` is still a timeout every time.
const TIMEOUT_MS = 750;
let fake: FakeRoblox;
let nonce = Date.now() % 1_000_000;
beforeAll(async () => {
  fake = await startFakeRoblox({ slowMs: 3_000 });
});
afterAll(async () => {
  await fake?.close();
});

function client(maxRetries = 2): RobloxProvider {
  return createLiveClient({ baseUrl: fake.urls.users, urls: fake.urls, timeoutMs: TIMEOUT_MS, maxRetries, backoffMs: 5 });
}

const requests = (path: string) => fake.requestsFor(`path:${path}`);
const known = fixtureUsers.find((u) => u.previousUsernames.length > 0 && !u.isBanned)!;
const banned = fixtureUsers.find((u) => u.isBanned);

describe('answers of each host, validated', () => {
  it('Users: username history, newest first, honouring the limit', async () => {
    expect(await client().getUsernameHistory(known.id)).toEqual(known.previousUsernames);
    expect(await client().getUsernameHistory(known.id, 1)).toEqual(known.previousUsernames.slice(0, 1));
  });

  it('Users: username resolution keeps the asked spelling, leaves unknown names out', async () => {
    const a = fixtureUsers[3]!;
    const b = fixtureUsers[4]!;
    const asked = [a.name.toUpperCase(), 'nobody_by_this_name', b.name];
    const matches = await client().resolveUsernames(asked);
    expect(matches).toEqual([
      { requestedUsername: a.name.toUpperCase(), id: a.id, name: a.name, displayName: a.displayName, hasVerifiedBadge: a.hasVerifiedBadge },
      { requestedUsername: b.name, id: b.id, name: b.name, displayName: b.displayName, hasVerifiedBadge: b.hasVerifiedBadge },
    ]);
    expect(requests('/v1/usernames/users')).toBeGreaterThanOrEqual(1);
  });

  it('Thumbnails: the headshot of a Completed image; none for a blocked one', async () => {
    const shots = await client().getHeadshots([known.id]);
    expect(shots.get(known.id)).toBe(fixtureHeadshot(known.id).imageUrl);
    expect(shots.get(known.id)).toMatch(/^data:image\/svg\+xml;base64,/);
    if (banned) expect((await client().getHeadshots([banned.id])).get(banned.id)).toBeNull();
    expect(requests('/v1/users/avatar-headshot')).toBeGreaterThanOrEqual(1);
  });

  it('Friends: friends, followers and followings counts (three requests)', async () => {
    const before = ['friends', 'followers', 'followings'].map((w) => requests(`/v1/users/${known.id}/${w}/count`));
    expect(await client().getFriendCounts(known.id)).toEqual(fixtureFriendCounts(known.id));
    expect(['friends', 'followers', 'followings'].map((w) => requests(`/v1/users/${known.id}/${w}/count`))).toEqual(before.map((n) => n + 1));
  });

  it('Groups: memberships with role and rank', async () => {
    const withGroups = fixtureUsers.find((u) => fixtureGroups(u.id).length >= 2)!;
    const groups = await client().getUserGroups(withGroups.id);
    expect(groups).toEqual(fixtureGroups(withGroups.id));
    for (const g of groups) {
      expect(g.role.rank).toBeGreaterThanOrEqual(1);
      expect(g.role.rank).toBeLessThanOrEqual(255);
      expect(g.group.name).toBeTruthy();
    }
  });

  it("Roblox's rejections of an unknown user are RobloxRejectedError on every host, not retried", async () => {
    const unknown = 2;
    for (const call of [
      () => client().getUsernameHistory(unknown),
      () => client().getFriendCounts(unknown),
      () => client().getUserGroups(unknown),
    ]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(RobloxRejectedError);
      expect([400, 404]).toContain(err.status);
    }
    expect(requests(`/v2/users/${unknown}/groups/roles`)).toBe(1);
  });
});

describe('each fault on each host', () => {
  const calls: Record<Exclude<RobloxApi, 'users'>, (c: RobloxProvider, id: number) => Promise<unknown>> = {
    thumbnails: (c, id) => c.getHeadshots([id]),
    friends: (c, id) => c.getFriendCounts(id),
    groups: (c, id) => c.getUserGroups(id),
  };
  const cases = (['thumbnails', 'friends', 'groups'] as const).flatMap((api) =>
    (['fail500', 'ratelimited', 'slow', 'malformed', 'wrongshape'] as Fault[]).map((fault) => ({ api, fault })),
  );
  it.each(cases)('$api answering $fault → RobloxUnavailableError naming the host, bounded attempts', async ({ api, fault }) => {
    const id = faultyUserId(api, fault, nonce++);
    const err = await rejection(calls[api](client(1), id));
    expect(err).toBeInstanceOf(RobloxUnavailableError);
    expect(err.api).toBe(api);
    expect(err.message).toMatch(new RegExp(`Roblox's ${api[0]!.toUpperCase()}${api.slice(1)} API`));
    const path = api === 'groups' ? `/v2/users/${id}/groups/roles` : api === 'friends' ? `/v1/users/${id}/friends/count` : null;
    if (path) expect(requests(path)).toBe(fault === 'malformed' || fault === 'wrongshape' ? 1 : 2);
  });

  it('Users username resolution faults too (fail500 after retries, malformed at once)', async () => {
    const failing = `fail500${nonce++}`;
    expect(await rejection(client(1).resolveUsernames([failing]))).toBeInstanceOf(RobloxUnavailableError);
    expect(fake.requestsFor(`usernames:${failing.toLowerCase()}`)).toBe(2);
    const malformed = `malformed${nonce++}`;
    expect(await rejection(client(1).resolveUsernames([malformed]))).toBeInstanceOf(RobloxUnavailableError);
    expect(fake.requestsFor(`usernames:${malformed.toLowerCase()}`)).toBe(1);
  });

  it("flaky (503 twice) recovers on the 3rd attempt on the Groups host", async () => {
    const id = faultyUserId('groups', 'flaky', nonce++);
    expect(await client(2).getUserGroups(id)).toEqual([]);
    expect(requests(`/v2/users/${id}/groups/roles`)).toBe(3);
  });
});

describe('the gate meters every request', () => {
  function recordingGate(allow: number): RobloxCallGate & { seen: RobloxApi[]; pauses: Array<[RobloxApi, number]> } {
    const seen: RobloxApi[] = [];
    const pauses: Array<[RobloxApi, number]> = [];
    return {
      seen,
      pauses,
      async beforeRequest(api) {
        if (seen.length >= allow) throw new RobloxRateLimitedError(api, 7);
        seen.push(api);
      },
      async rateLimitedBy(api, seconds) {
        pauses.push([api, seconds]);
      },
    };
  }

  it('asks before each attempt, retries included; a refusal ends the call with nothing sent', async () => {
    const id = faultyUserId('friends', 'fail500', nonce++);
    const gate = recordingGate(2);
    const err = await rejection(client(2).getUserGroups(faultyUserId('groups', 'fail500', id % 1000), gate));
    expect(err).toBeInstanceOf(RobloxRateLimitedError);
    expect(err).toMatchObject({ api: 'groups', retryAfterSeconds: 7 });
    expect(gate.seen).toEqual(['groups', 'groups']);
  });

  it('a 429 with Retry-After: 30 pauses the host through the gate and ends the call at once', async () => {
    const keyword = `backoff${nonce++}`;
    const gate = recordingGate(10);
    const err = await rejection(client(2).searchUsers(keyword, 10, gate));
    expect(err).toBeInstanceOf(RobloxRateLimitedError);
    expect(err).toMatchObject({ api: 'users', retryAfterSeconds: 30 });
    expect(gate.pauses).toEqual([['users', 30]]);
    expect(fake.requestsFor(keyword)).toBe(1);
  });

  it('a 429 with Retry-After: 0 is retried (no pause), then unavailable', async () => {
    const keyword = `ratelimited${nonce++}`;
    const gate = recordingGate(10);
    expect(await rejection(client(1).searchUsers(keyword, 10, gate))).toBeInstanceOf(RobloxUnavailableError);
    expect(gate.seen).toEqual(['users', 'users']);
    expect(fake.requestsFor(keyword)).toBe(2);
  });
});

describe('the fixture provider answers as the live client does, for every host', () => {
  async function outcome(p: Promise<unknown>) {
    try {
      const v = await p;
      return { ok: v instanceof Map ? [...v] : v };
    } catch (err) {
      const e = err as RobloxRejectedError;
      return { failed: e.constructor.name, status: e.status, code: e.code, message: e.message };
    }
  }
  const ids = [fixtureUsers[0]!.id, known.id, fixtureUsers[fixtureUsers.length - 1]!.id, 1, 999_999_999_999];
  it.each(ids)('user %i: history, headshot, counts, groups', async (id) => {
    const live = client();
    for (const [name, call] of [
      ['history', (p: RobloxProvider) => p.getUsernameHistory(id)],
      ['headshot', (p: RobloxProvider) => p.getHeadshots([id])],
      ['counts', (p: RobloxProvider) => p.getFriendCounts(id)],
      ['groups', (p: RobloxProvider) => p.getUserGroups(id)],
    ] as const) {
      expect(await outcome(call(fixtureProvider)), name).toEqual(await outcome(call(live)));
    }
  });

  it('usernames', async () => {
    const names = [fixtureUsers[7]!.name, 'NoSuchUser_42', fixtureUsers[9]!.name.toLowerCase()];
    expect(await fixtureProvider.resolveUsernames(names)).toEqual(await client().resolveUsernames(names));
    expect(fixtureResolveUsernames(names)).toHaveLength(2);
    expect(fixtureUsernameHistory(known.id)).toEqual(known.previousUsernames);
  });
});
