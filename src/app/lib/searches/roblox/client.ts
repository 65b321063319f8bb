import 'server-only';
import type { z } from 'zod';
import {
  robloxErrorBody,
  robloxProfile,
  robloxSearchResponse,
  RobloxRejectedError,
  RobloxUnavailableError,
  type RobloxProfile,
  type RobloxProvider,
  type RobloxUserSummary,
} from './types';

export interface LiveClientOptions {
  baseUrl: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Further attempts after a 429, a 5xx, a timeout or a network error. */
  maxRetries: number;
  /** First backoff; doubles each retry (with jitter), capped at 2 s, Retry-After honoured up to the cap. */
  backoffMs?: number;
}

const MAX_BACKOFF_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function backoff(attempt: number, base: number, retryAfter: string | null): number {
  const hinted = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
  const exponential = base * 2 ** attempt * (0.5 + Math.random());
  return Math.min(MAX_BACKOFF_MS, Math.max(hinted, exponential));
}

/** The live Roblox Users API client: bounded retries, a timeout per attempt, every body validated. */
export function createLiveClient(opts: LiveClientOptions): RobloxProvider {
  const base = opts.baseUrl.replace(/\/+$/, '');

  async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    let lastProblem = 'no attempt made';
    for (let attempt = 0; attempt <= opts.maxRetries; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          headers: { accept: 'application/json' },
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
        if (attempt < opts.maxRetries) await sleep(backoff(attempt, opts.backoffMs ?? 200, res.headers.get('retry-after')));
        continue;
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        // The timeout also covers the body: a body that stalls is a timeout (retried), not malformed.
        const name = (err as Error).name;
        if (name !== 'TimeoutError' && name !== 'AbortError') {
          throw new RobloxUnavailableError(`Roblox sent a malformed response (HTTP ${res.status})`);
        }
        lastProblem = `no answer within ${opts.timeoutMs} ms`;
        if (attempt < opts.maxRetries) await sleep(backoff(attempt, opts.backoffMs ?? 200, null));
        continue;
      }
      if (res.status === 400 || res.status === 404) {
        const parsed = robloxErrorBody.safeParse(body);
        const first = parsed.success ? parsed.data.errors[0]! : { code: 0, message: 'The request was rejected.' };
        throw new RobloxRejectedError(res.status, first.code, first.message);
      }
      if (!res.ok) throw new RobloxUnavailableError(`Roblox answered HTTP ${res.status}`);
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new RobloxUnavailableError('Roblox sent a response in an unexpected shape');
      return parsed.data;
    }
    throw new RobloxUnavailableError(`Roblox did not answer after ${opts.maxRetries + 1} attempts (${lastProblem})`);
  }

  return {
    name: 'live',
    async searchUsers(keyword: string, limit = 10): Promise<RobloxUserSummary[]> {
      const q = new URLSearchParams({ keyword, limit: String(limit) });
      return (await get(`/v1/users/search?${q}`, robloxSearchResponse)).data;
    },
    getUser(id: number): Promise<RobloxProfile> {
      return get(`/v1/users/${id}`, robloxProfile);
    },
  };
}
