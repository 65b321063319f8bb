import 'server-only';
import { config } from '../../config';
import { createLiveClient } from './client';
import { fixtureProvider } from './fixture';
import type { RobloxProvider } from './types';

export * from './types';

let live: { key: string; client: RobloxProvider } | undefined;

/** ROBLOX_PROVIDER=fixture serves the offline data set; anything else, Roblox's live APIs. */
export function robloxProvider(): RobloxProvider {
  const { provider, apiUrls, timeoutMs, maxRetries } = config.roblox;
  if (provider === 'fixture') return fixtureProvider;
  const key = JSON.stringify([apiUrls, timeoutMs, maxRetries]);
  if (live?.key !== key) live = { key, client: createLiveClient({ baseUrl: apiUrls.users, urls: apiUrls, timeoutMs, maxRetries }) };
  return live.client;
}

/** The host (host:port) of each Roblox API: the unit of the shared rate limit. */
export function robloxHosts(): Record<keyof typeof config.roblox.apiUrls, string> {
  const urls = config.roblox.apiUrls;
  return {
    users: new URL(urls.users).host,
    thumbnails: new URL(urls.thumbnails).host,
    friends: new URL(urls.friends).host,
    groups: new URL(urls.groups).host,
  };
}
