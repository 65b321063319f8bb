import type { TestProject } from 'vitest/node';
import { fakeRobloxEnv, startFakeRoblox, type FakeRoblox } from './fake-roblox';
import { startServer, type RunningServer } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    server: {
      baseUrl: string;
      adminUsername: string;
      adminPassword: string;
      databaseUrl?: string;
      robloxUrl: string;
      robloxUrls: Record<'users' | 'thumbnails' | 'friends' | 'groups', string>;
      logFile: string;
    };
  }
}

let server: RunningServer | undefined;
let roblox: FakeRoblox | undefined;

/**
 * One production server for all API suites (each suite makes its own customers and users), whose
 * live Roblox client talks to a local fake Roblox that answers with a short timeout.
 */
export async function setup(project: TestProject) {
  roblox = await startFakeRoblox({ slowMs: 3_000 });
  server = await startServer({
    LOGIN_RATE_LIMIT_ATTEMPTS: '5',
    LOGIN_RATE_LIMIT_WINDOW_SECONDS: '8',
    // The suites connect from 127.0.0.1 and send X-Forwarded-For to act as many clients.
    TRUSTED_PROXIES: '127.0.0.1',
    ...fakeRobloxEnv(roblox),
    ROBLOX_TIMEOUT_MS: '800',
    ROBLOX_MAX_RETRIES: '2',
    // The suites send far more than Roblox's 60 a minute; the limit itself is tested on servers of its own.
    ROBLOX_RATE_LIMIT_PER_MINUTE: '1000000',
    // Likewise the suites' API keys; the key limit is tested on a server of its own.
    API_KEY_RATE_LIMIT: '1000000',
  });
  project.provide('server', {
    baseUrl: server.baseUrl,
    adminUsername: server.adminUsername,
    adminPassword: server.adminPassword,
    databaseUrl: server.databaseUrl,
    robloxUrl: roblox.url,
    robloxUrls: roblox.urls,
    logFile: server.logFile,
  });
}

export async function teardown() {
  if (server && process.env.SHOW_SERVER_LOG) console.log(server.output());
  await server?.stop();
  await roblox?.close();
}
