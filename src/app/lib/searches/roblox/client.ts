import 'server-only';
import type { z } from 'zod';
import {
  robloxCount,
  robloxErrorBody,
  robloxGroupRoles,
  robloxHeadshots,
  robloxProfile,
  robloxSearchResponse,
  robloxUsernameHistory,
  robloxUsernamesResponse,
  RobloxRateLimitedError,
  RobloxRejectedError,
  RobloxUnavailableError,
  type RobloxApi,
  type RobloxCallGate,
  type RobloxProvider,
} from './types';

export interface LiveClientOptions {
  /** Base URL of the Users API, and of every API `urls` doesn't name (a proxy serving them all). */
  baseUrl: string;
  urls?: Partial<Record<RobloxApi, string>>;
  /** Per attempt. */
  timeoutMs: number;
  /** Further attempts after a 429, a 5xx, a timeout or a network error. */
  maxRetries: number;
  /** First backoff; doubles each retry (with jitter), capped at 2 s, Retry-After honoured up to the cap. */
  backoffMs?: number;
}

const MAX_BACKOFF_MS = 2_000;
/** How long a 429 without Retry-After pauses the host. */
const DEFAULT_PAUSE_SECONDS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const API_NAMES: Record<RobloxApi, string> = { users: 'Users', thumbnails: 'Thumbnails', friends: 'Friends', groups: 'Groups' };

/** Retry-After in seconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Like Promise.all, but waits for every call before failing with the first error: no request is
 * left running (and metered) after its look-up has already been answered.
 */
export async function allOrFirstError<T extends readonly unknown[]>(calls: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export function backoff(attempt: number, base: number, hintedSeconds: number | null): number {
  const exponential = base * 2 ** attempt * (0.5 + Math.random());
  return Math.min(MAX_BACKOFF_MS, Math.max((hintedSeconds ?? 0) * 1000, exponential));
}

/**
 * The live client of Roblox's Users, Thumbnails, Friends and Groups APIs: bounded retries, a
 * timeout per attempt, every body validated, and each request let through by the caller's gate
 * (the shared rate limit). A 429 tells the gate to pause that host; when Roblox asks for a longer
 * pause than a retry would wait, the call ends at once.
 */
export function createLiveClient(opts: LiveClientOptions): RobloxProvider {
  const base = (api: RobloxApi) => (opts.urls?.[api] ?? opts.baseUrl).replace(/\/+$/, '');

  async function call<S extends z.ZodType>(
    api: RobloxApi,
    path: string,
    schema: S,
    gate: RobloxCallGate | undefined,
    body?: unknown,
  ): Promise<z.output<S>> {
    const unavailable = (message: string) => new RobloxUnavailableError(message, api);
    const who = `Roblox's ${API_NAMES[api]} API`;
    let lastProblem = 'no attempt made';
    for (let attempt = 0; attempt <= opts.maxRetries; attempt++) {
      await gate?.beforeRequest(api);
      let res: Response;
      try {
        res = await fetch(`${base(api)}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        lastProblem = (err as Error).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : 'network error';
        if (attempt < opts.maxRetries) await sleep(backoff(attempt, opts.backoffMs ?? 200, null));
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        lastProblem = `HTTP ${res.status}`;
        await res.body?.cancel();
        const hinted = retryAfterSeconds(res.headers.get('retry-after'));
        if (res.status === 429) {
          const pause = hinted ?? DEFAULT_PAUSE_SECONDS;
          await gate?.rateLimitedBy(api, pause);
          // Waiting longer than a retry may would only hold the request open: give up now.
          if (pause * 1000 > MAX_BACKOFF_MS) throw new RobloxRateLimitedError(api, pause);
        }
        if (attempt < opts.maxRetries) await sleep(backoff(attempt, opts.backoffMs ?? 200, hinted));
        continue;
      }
      let parsedBody: unknown;
      try {
        parsedBody = await res.json();
      } catch (err) {
        // The timeout also covers the body: a body that stalls is a timeout (retried), not malformed.
        const name = (err as Error).name;
        if (name !== 'TimeoutError' && name !== 'AbortError') {
          throw unavailable(`${who} sent a malformed response (HTTP ${res.status})`);
        }
        lastProblem = `no answer within ${opts.timeoutMs} ms`;
        if (attempt < opts.maxRetries) await sleep(backoff(attempt, opts.backoffMs ?? 200, null));
        continue;
      }
      if (res.status === 400 || res.status === 404) {
        const parsed = robloxErrorBody.safeParse(parsedBody);
        const first = parsed.success ? parsed.data.errors[0]! : { code: 0, message: 'The request was rejected.' };
        throw new RobloxRejectedError(res.status, first.code, first.message);
      }
      if (!res.ok) throw unavailable(`${who} answered HTTP ${res.status}`);
      const parsed = schema.safeParse(parsedBody);
      if (!parsed.success) throw unavailable(`${who} sent a response in an unexpected shape`);
      return parsed.data;
    }
    throw unavailable(`${who} did not answer after ${opts.maxRetries + 1} attempt${opts.maxRetries === 0 ? '' : 's'} (${lastProblem})`);
  }

  return {
    name: 'live',
    async searchUsers(keyword, limit = 10, gate) {
      const q = new URLSearchParams({ keyword, limit: String(limit) });
      return (await call('users', `/v1/users/search?${q}`, robloxSearchResponse, gate)).data;
    },
    getUser(id, gate) {
      return call('users', `/v1/users/${id}`, robloxProfile, gate);
    },
    async getUsernameHistory(id, limit = 10, gate) {
      const q = new URLSearchParams({ limit: String(limit), sortOrder: 'Desc' });
      return (await call('users', `/v1/users/${id}/username-history?${q}`, robloxUsernameHistory, gate)).data.map((d) => d.name);
    },
    async getHeadshots(ids, gate) {
      const q = new URLSearchParams({ userIds: ids.join(','), size: '150x150', format: 'Png', isCircular: 'false' });
      const { data } = await call('thumbnails', `/v1/users/avatar-headshot?${q}`, robloxHeadshots, gate);
      const byId = new Map(data.map((d) => [d.targetId, d.state === 'Completed' ? (d.imageUrl ?? null) : null]));
      return new Map(ids.map((id) => [id, byId.get(id) ?? null]));
    },
    async getFriendCounts(id, gate) {
      const count = async (what: string) => (await call('friends', `/v1/users/${id}/${what}/count`, robloxCount, gate)).count;
      const [friends, followers, followings] = await allOrFirstError<[number, number, number]>([count('friends'), count('followers'), count('followings')]);
      return { friends, followers, followings };
    },
    async getUserGroups(id, gate) {
      return (await call('groups', `/v2/users/${id}/groups/roles`, robloxGroupRoles, gate)).data;
    },
    async resolveUsernames(names, gate) {
      return (await call('users', '/v1/usernames/users', robloxUsernamesResponse, gate, { usernames: names, excludeBannedUsers: false })).data;
    },
  };
}
