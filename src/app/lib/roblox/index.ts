import { createLiveClient } from './client';
import { fixtureProvider } from './fixture';
import type { RobloxProvider } from './types';

export * from './types';

let live: { key: string; client: RobloxProvider } | undefined;

/** ROBLOX_PROVIDER=fixture serves the offline data set; anything else, Roblox's live Users API. */
export function robloxProvider(): RobloxProvider {
  if (process.env.ROBLOX_PROVIDER === 'fixture') return fixtureProvider;
  const baseUrl = process.env.ROBLOX_USERS_API_URL || 'https://users.roblox.com';
  const timeoutMs = Number(process.env.ROBLOX_TIMEOUT_MS || 5_000);
  const maxRetries = Number(process.env.ROBLOX_MAX_RETRIES || 2);
  const key = `${baseUrl}|${timeoutMs}|${maxRetries}`;
  if (live?.key !== key) live = { key, client: createLiveClient({ baseUrl, timeoutMs, maxRetries }) };
  return live.client;
}
