import 'server-only';
import { config } from '../../config';
import { createLiveClient } from './client';
import { fixtureProvider } from './fixture';
import type { RobloxProvider } from './types';

export * from './types';

let live: { key: string; client: RobloxProvider } | undefined;

/** ROBLOX_PROVIDER=fixture serves the offline data set; anything else, Roblox's live Users API. */
export function robloxProvider(): RobloxProvider {
  const { provider, usersApiUrl: baseUrl, timeoutMs, maxRetries } = config.roblox;
  if (provider === 'fixture') return fixtureProvider;
  const key = `${baseUrl}|${timeoutMs}|${maxRetries}`;
  if (live?.key !== key) live = { key, client: createLiveClient({ baseUrl, timeoutMs, maxRetries }) };
  return live.client;
}
