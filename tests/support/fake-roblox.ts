import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  fixtureFriendCounts,
  fixtureGroups,
  fixtureHeadshot,
  fixtureResolveUsernames,
  fixtureSearch,
  fixtureUser,
  fixtureUsernameHistory,
} from '@/app/lib/searches/roblox/fixture';
import { RobloxRejectedError, ROBLOX_APIS, type RobloxApi } from '@/app/lib/searches/roblox/types';

/**
 * A local stand-in for Roblox's Users, Thumbnails, Friends and Groups APIs that speaks their JSON,
 * serving the offline data set. Each API listens on a port of its own (`urls`), as each is a host
 * of its own at Roblox (the rate limit is per host). Faults are chosen by the request itself, so
 * tests in any process can ask for one without shared state:
 *   keywords (user search) and usernames (resolution) starting with
 *     fail500…  HTTP 500 every time          ratelimited…  HTTP 429 every time (Retry-After: 0)
 *     flaky…    HTTP 503 twice, then answers slow…         answers after `slowMs`
 *     malformed… a body that isn't JSON      wrongshape…   JSON in the wrong shape
 *     backoff…  HTTP 429 with Retry-After: 30
 *   user ids from faultyUserId(api, fault, nonce): a user who exists everywhere, except that `api`
 *     answers with `fault` (the same faults) on every request about that user.
 * GET /__requests?keyword=K | ?id=N (profile reads) | ?path=P | ?usernames=a,b | ?all says how many
 * requests Roblox received for it.
 */
export interface FakeRoblox {
  /** The Users API (and the control endpoints). */
  url: string;
  urls: Record<RobloxApi, string>;
  requestsFor(key: string): number;
  close(): Promise<void>;
}

export const FAULTS = ['none', 'fail500', 'ratelimited', 'slow', 'malformed', 'wrongshape', 'flaky', 'backoff'] as const;
export type Fault = (typeof FAULTS)[number];

const FAULTY_BASE = 8_000_000_000;

/** A user id the fake answers for on every API but `api`, which answers with `fault`. */
export function faultyUserId(api: RobloxApi, fault: Fault, nonce: number): number {
  if (!Number.isInteger(nonce) || nonce < 0 || nonce >= 80_000_000) throw new RangeError(`faultyUserId: nonce ${nonce} is not in 0..79,999,999`);
  return FAULTY_BASE + nonce * 100 + ROBLOX_APIS.indexOf(api) * 10 + FAULTS.indexOf(fault);
}

function decodeFaulty(id: number): { api: RobloxApi; fault: Fault } | undefined {
  if (id < FAULTY_BASE || id >= FAULTY_BASE * 2) return undefined;
  const api = ROBLOX_APIS[Math.floor(id / 10) % 10];
  const fault = FAULTS[id % 10];
  return api && fault ? { api, fault } : undefined;
}

function faultOfWord(word: string): Fault | undefined {
  const k = word.toLowerCase();
  return FAULTS.find((f) => f !== 'none' && k.startsWith(f));
}

export async function startFakeRoblox(opts: { slowMs?: number; port?: number } = {}): Promise<FakeRoblox> {
  const slowMs = opts.slowMs ?? 3_000;
  const counts = new Map<string, number>();
  const bump = (key: string) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  };
  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const robloxError = (res: http.ServerResponse, err: unknown) => {
    if (err instanceof RobloxRejectedError) {
      return send(res, err.status, { errors: [{ code: err.code, message: err.message, userFacingMessage: 'Something went wrong' }] });
    }
    return send(res, 500, { errors: [{ code: 0, message: 'InternalServerError' }] });
  };
  /** Answers with the fault (true) or lets the request through (false, after a delay for `slow`). */
  const injected = async (res: http.ServerResponse, fault: Fault | undefined, attempt: number): Promise<boolean> => {
    switch (fault) {
      case 'fail500':
        send(res, 500, { errors: [{ code: 0, message: 'InternalServerError' }] });
        return true;
      case 'ratelimited':
        send(res, 429, { errors: [{ code: 0, message: 'Too many requests' }] }, { 'retry-after': '0' });
        return true;
      case 'backoff':
        send(res, 429, { errors: [{ code: 0, message: 'Too many requests' }] }, { 'retry-after': '30' });
        return true;
      case 'flaky':
        if (attempt > 2) return false;
        send(res, 503, { errors: [{ code: 0, message: 'Service unavailable' }] });
        return true;
      case 'malformed':
        send(res, 200, '{"data": [ not json');
        return true;
      case 'wrongshape':
        send(res, 200, { data: 'nope', count: 'many' });
        return true;
      case 'slow':
        await new Promise((r) => setTimeout(r, slowMs));
        return false;
      default:
        return false;
    }
  };

  /** A synthetic user for fault ids (on the APIs that don't fault for it). */
  const synthetic = (id: number) => ({
    id,
    name: `Faulty${id}`,
    displayName: `Faulty ${id % 1000}`,
    hasVerifiedBadge: false,
    description: 'A user of the fake Roblox whose answers fail on one API.',
    created: '2020-01-01T00:00:00.000Z',
    isBanned: false,
    externalAppDisplayName: null,
  });

  async function readBody(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return null;
    }
  }

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake.roblox');
    const path = url.pathname;
    if (path === '/__requests') {
      const p = url.searchParams;
      if (p.has('all')) return send(res, 200, { requests: counts.get('all') ?? 0 });
      const key = p.has('keyword')
        ? p.get('keyword')!
        : p.has('path')
          ? `path:${p.get('path')}`
          : p.has('usernames')
            ? `usernames:${p.get('usernames')!.toLowerCase()}`
            : `id:${p.get('id')}`;
      return send(res, 200, { requests: counts.get(key) ?? 0 });
    }
    bump('all');
    const pathCount = bump(`path:${path}`);

    // Users API
    if (path === '/v1/users/search') {
      const keyword = url.searchParams.get('keyword') ?? '';
      const attempt = bump(keyword);
      const fault = faultOfWord(keyword);
      if (await injected(res, fault, attempt)) return;
      try {
        const data = fixtureSearch(fault === 'flaky' || fault === 'slow' ? 'blox' : keyword, Number(url.searchParams.get('limit') ?? 10));
        return send(res, 200, { previousPageCursor: null, nextPageCursor: null, data });
      } catch (err) {
        return robloxError(res, err);
      }
    }
    if (path === '/v1/usernames/users' && req.method === 'POST') {
      const body = (await readBody(req)) as { usernames?: unknown } | null;
      const names = Array.isArray(body?.usernames) ? body.usernames.filter((n): n is string => typeof n === 'string') : null;
      if (!names) return send(res, 400, { errors: [{ code: 0, message: 'Invalid request body.' }] });
      const attempt = bump(`usernames:${names.map((n) => n.toLowerCase()).join(',')}`);
      const fault = names.map(faultOfWord).find(Boolean);
      if (await injected(res, fault, attempt)) return;
      if (names.length > 100) return send(res, 400, { errors: [{ code: 2, message: 'Too many usernames.' }] });
      return send(res, 200, { data: fixtureResolveUsernames(names) });
    }
    const user = /^\/v1\/users\/(\d+)(\/username-history)?$/.exec(path);
    if (user) {
      const id = Number(user[1]);
      if (!user[2]) bump(`id:${id}`);
      const faulty = decodeFaulty(id);
      if (faulty) {
        if (faulty.api === 'users' && (await injected(res, faulty.fault, pathCount))) return;
        return send(res, 200, user[2] ? { previousPageCursor: null, nextPageCursor: null, data: [{ name: `WasFaulty${id % 1000}` }] } : synthetic(id));
      }
      try {
        if (user[2]) {
          const limit = Number(url.searchParams.get('limit') ?? 10);
          return send(res, 200, { previousPageCursor: null, nextPageCursor: null, data: fixtureUsernameHistory(id, limit).map((name) => ({ name })) });
        }
        return send(res, 200, fixtureUser(id));
      } catch (err) {
        return robloxError(res, err);
      }
    }

    // Thumbnails API
    if (path === '/v1/users/avatar-headshot') {
      const ids = (url.searchParams.get('userIds') ?? '').split(',').filter(Boolean).map(Number);
      if (ids.length === 0 || ids.some((n) => !Number.isSafeInteger(n))) {
        return send(res, 400, { errors: [{ code: 1, message: 'There are too many requested Ids.' }] });
      }
      const fault = ids.map(decodeFaulty).find((f) => f?.api === 'thumbnails')?.fault;
      if (await injected(res, fault, pathCount)) return;
      return send(res, 200, {
        data: ids.map((id) => (decodeFaulty(id) ? { targetId: id, state: 'Completed', imageUrl: 'https://tr.rbxcdn.com/fake/150/150/AvatarHeadshot/Png', version: 'TN3' } : { ...fixtureHeadshot(id), version: 'TN3' })),
      });
    }

    // Friends API
    const friends = /^\/v1\/users\/(\d+)\/(friends|followers|followings)\/count$/.exec(path);
    if (friends) {
      const id = Number(friends[1]);
      const faulty = decodeFaulty(id);
      if (faulty) {
        if (faulty.api === 'friends' && (await injected(res, faulty.fault, pathCount))) return;
        return send(res, 200, { count: 7 });
      }
      try {
        return send(res, 200, { count: fixtureFriendCounts(id)[friends[2] as 'friends' | 'followers' | 'followings'] });
      } catch (err) {
        return robloxError(res, err);
      }
    }

    // Groups API
    const groups = /^\/v2\/users\/(\d+)\/groups\/roles$/.exec(path);
    if (groups) {
      const id = Number(groups[1]);
      const faulty = decodeFaulty(id);
      if (faulty) {
        if (faulty.api === 'groups' && (await injected(res, faulty.fault, pathCount))) return;
        return send(res, 200, { data: [] });
      }
      try {
        return send(res, 200, { data: fixtureGroups(id) });
      } catch (err) {
        return robloxError(res, err);
      }
    }
    return send(res, 404, { errors: [{ code: 0, message: 'NotFound' }] });
  };

  const servers: http.Server[] = [];
  const urls = {} as Record<RobloxApi, string>;
  for (const [i, api] of ROBLOX_APIS.entries()) {
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(i === 0 ? (opts.port ?? 0) : 0, '127.0.0.1', resolve));
    servers.push(server);
    urls[api] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    url: urls.users,
    urls,
    requestsFor: (key) => counts.get(key) ?? 0,
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}

/** The environment that points an app server's live Roblox client at this fake. */
export function fakeRobloxEnv(fake: FakeRoblox): Record<string, string> {
  return {
    ROBLOX_USERS_API_URL: fake.urls.users,
    ROBLOX_THUMBNAILS_API_URL: fake.urls.thumbnails,
    ROBLOX_FRIENDS_API_URL: fake.urls.friends,
    ROBLOX_GROUPS_API_URL: fake.urls.groups,
  };
}
