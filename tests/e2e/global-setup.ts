import { fakeRobloxEnv, startFakeRoblox } from '../support/fake-roblox';
import { startFakeStripe } from '../support/fake-stripe';
import { freePort, startServer } from '../support/server';

/**
 * One production server for the browser tests; its address and admin password reach the tests by env.
 * Its live Roblox client talks to a local fake Roblox (as the API suites' server does), never to Roblox,
 * and its billing to a local fake Stripe whose hosted Checkout page the browser pays on.
 */
export default async function globalSetup() {
  const roblox = await startFakeRoblox({ slowMs: 3_000 });
  const port = await freePort();
  const stripe = await startFakeStripe({ webhookUrl: `http://127.0.0.1:${port}/api/webhooks/stripe` });
  const server = await startServer(
    {
      ...fakeRobloxEnv(roblox),
      ROBLOX_TIMEOUT_MS: '800',
      ROBLOX_MAX_RETRIES: '2',
      ROBLOX_RATE_LIMIT_PER_MINUTE: '1000000',
      STRIPE_SECRET_KEY: 'sk_test_browser_tests',
      STRIPE_API_URL: stripe.url,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      AUTO_TOP_UP_INTERVAL_SECONDS: '1',
      AUTO_TOP_UP_RETRY_SECONDS: '0',
      // Above every single grant (10,000 is the guide's maximum), so the guide's walkthrough is as
      // without approvals; a bulk batch above it waits for a second SUPER_ADMIN's approval.
      GRANT_APPROVAL_THRESHOLD: '10000',
      // The Webhooks screen's tests deliver to a receiver on this machine.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_DISPATCH_INTERVAL_SECONDS: '1',
      // An endpoint that never answers is disabled within seconds, for the Enable button's test.
      WEBHOOK_RETRY_BASE_SECONDS: '1',
      WEBHOOK_DISABLE_AFTER_SECONDS: '3',
    },
    { port },
  ).catch(async (err: unknown) => {
    await roblox.close();
    await stripe.close();
    throw err;
  });
  process.env.E2E_BASE_URL = server.baseUrl;
  process.env.E2E_ADMIN_USERNAME = server.adminUsername;
  process.env.E2E_ADMIN_PASSWORD = server.adminPassword;
  process.env.E2E_ROBLOX_URL = roblox.url;
  process.env.E2E_STRIPE_URL = stripe.url;
  return async () => {
    await server.stop();
    await roblox.close();
    await stripe.close();
  };
}
