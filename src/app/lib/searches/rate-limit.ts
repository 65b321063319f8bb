import 'server-only';
import { config } from '../config';
import { AppError } from '../errors';
import { RobloxRateLimitedError, robloxHosts, type RobloxApi, type RobloxCallGate } from './roblox';
import type { LookupStore } from './store';

/**
 * The shared rate limit: one token bucket per Roblox API host in the shared store, holding at most
 * ROBLOX_RATE_LIMIT_PER_MINUTE tokens and refilled at that rate. A look-up takes the tokens for
 * its first requests before it is charged (so a spent bucket costs nothing and Roblox is not
 * asked), and one more for each retry. A 429 from Roblox pauses the host for every instance.
 */
export interface LookupGate extends RobloxCallGate {
  /** Gives back what was reserved but not used (e.g. a profile whose id turned out unknown). */
  finish(): Promise<void>;
}

/** Without the shared store the limit can't be kept, so Roblox is not called at all. */
function storeDown(err: unknown): never {
  console.error(`[lookups] rate limit store: ${(err as Error).message}`);
  throw new AppError('unavailable', 'Service temporarily unavailable', 'The shared Roblox rate limit could not be checked, so Roblox was not asked.', {
    'Retry-After': '5',
  });
}

export async function reserveRobloxCalls(store: LookupStore, calls: Partial<Record<RobloxApi, number>>): Promise<LookupGate> {
  const hosts = robloxHosts();
  const bucket = { perMinute: config.roblox.ratePerMinute };
  const reserved: Record<string, number> = {};
  for (const [api, n] of Object.entries(calls) as Array<[RobloxApi, number]>) {
    reserved[hosts[api]] = Math.min(bucket.perMinute, (reserved[hosts[api]] ?? 0) + n);
  }
  const apiOf = (host: string) => (Object.keys(hosts) as RobloxApi[]).find((a) => hosts[a] === host)!;
  const grant = await store.takeTokens(reserved, bucket).catch(storeDown);
  if (!grant.ok) throw new RobloxRateLimitedError(apiOf(grant.host), grant.retryAfterSeconds);
  return {
    async beforeRequest(api) {
      const host = hosts[api];
      if ((reserved[host] ?? 0) > 0) {
        reserved[host]!--;
        return;
      }
      const more = await store.takeTokens({ [host]: 1 }, bucket).catch(storeDown);
      if (!more.ok) throw new RobloxRateLimitedError(api, more.retryAfterSeconds);
    },
    async rateLimitedBy(api, seconds) {
      await store.pauseHost(hosts[api], seconds, bucket).catch((err: Error) => console.error(`[lookups] pause not stored: ${err.message}`));
    },
    async finish() {
      for (const [host, n] of Object.entries(reserved)) {
        if (n > 0) await store.returnTokens(host, n, bucket).catch(() => undefined);
        reserved[host] = 0;
      }
    },
  };
}
