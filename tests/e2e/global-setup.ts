import { fakeRobloxEnv, startFakeRoblox } from '../support/fake-roblox';
import { startServer } from '../support/server';

/**
 * One production server for the browser tests; its address and admin password reach the tests by env.
 * Its live Roblox client talks to a local fake Roblox (as the API suites' server does), never to Roblox.
 */
export default async function globalSetup() {
  const roblox = await startFakeRoblox({ slowMs: 3_000 });
  const server = await startServer({
    ...fakeRobloxEnv(roblox),
    ROBLOX_TIMEOUT_MS: '800',
    ROBLOX_MAX_RETRIES: '2',
    ROBLOX_RATE_LIMIT_PER_MINUTE: '1000000',
    // Above every single grant (10,000 is the guide's maximum), so the guide's walkthrough is as
    // without approvals; a bulk batch above it waits for a second SUPER_ADMIN's approval.
    GRANT_APPROVAL_THRESHOLD: '10000',
  }).catch(async (err: unknown) => {
    await roblox.close();
    throw err;
  });
  process.env.E2E_BASE_URL = server.baseUrl;
  process.env.E2E_ADMIN_USERNAME = server.adminUsername;
  process.env.E2E_ADMIN_PASSWORD = server.adminPassword;
  process.env.E2E_ROBLOX_URL = roblox.url;
  return async () => {
    await server.stop();
    await roblox.close();
  };
}
