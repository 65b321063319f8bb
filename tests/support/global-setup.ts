import type { TestProject } from 'vitest/node';
import { TEST_DATABASE_URL } from './env';
import { fakeRobloxEnv, startFakeRoblox, type FakeRoblox } from './fake-roblox';
import { startFakeStripe, type FakeStripe } from './fake-stripe';
import { freePort, startServer, type RunningServer } from './server';

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
      /** The fake Stripe the server's billing talks to (its `/__control/…` endpoints drive it). */
      stripeUrl: string;
      /** SQL access to the server's own database on either kind (PGlite through PGLITE_SOCKET_PORT), for ledger checks. */
      sqlUrl: string;
    };
  }
}

let server: RunningServer | undefined;
let roblox: FakeRoblox | undefined;
let stripe: FakeStripe | undefined;

/**
 * One production server for all API suites (each suite makes its own customers and users), whose
 * live Roblox client talks to a local fake Roblox that answers with a short timeout, and whose
 * billing talks to a local fake Stripe that delivers its signed events to the server's webhook.
 */
export async function setup(project: TestProject) {
  roblox = await startFakeRoblox({ slowMs: 3_000 });
  const port = await freePort();
  stripe = await startFakeStripe({ webhookUrl: `http://127.0.0.1:${port}/api/webhooks/stripe` });
  const sqlPort = TEST_DATABASE_URL ? undefined : await freePort();
  server = await startServer(
    {
      LOGIN_RATE_LIMIT_ATTEMPTS: '5',
      LOGIN_RATE_LIMIT_WINDOW_SECONDS: '8',
      // The suites connect from 127.0.0.1 and send X-Forwarded-For to act as many clients.
      TRUSTED_PROXIES: '127.0.0.1',
      ...fakeRobloxEnv(roblox),
      ROBLOX_TIMEOUT_MS: '800',
      ROBLOX_MAX_RETRIES: '2',
      // The suites send far more than Roblox's 60 a minute; the limit itself is tested on servers of its own.
      ROBLOX_RATE_LIMIT_PER_MINUTE: '1000000',
      STRIPE_SECRET_KEY: 'sk_test_api_suites',
      STRIPE_API_URL: stripe.url,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      AUTO_TOP_UP_INTERVAL_SECONDS: '1',
      AUTO_TOP_UP_RETRY_SECONDS: '0',
      // No single grant exceeds 10,000 (the guide's per-grant maximum), so the guide's flow is as
      // without approvals; a bulk batch above it waits for one, which the access matrix decides.
      GRANT_APPROVAL_THRESHOLD: '10000',
      // Likewise the suites' API keys; the key limit is tested on a server of its own.
      API_KEY_RATE_LIMIT: '1000000',
      // Webhooks the suites create point at local receivers (or at nothing).
      WEBHOOK_ALLOW_PRIVATE: 'true',
      ...(sqlPort && { PGLITE_SOCKET_PORT: String(sqlPort) }),
    },
    { port },
  );
  project.provide('server', {
    baseUrl: server.baseUrl,
    adminUsername: server.adminUsername,
    adminPassword: server.adminPassword,
    databaseUrl: server.databaseUrl,
    robloxUrl: roblox.url,
    robloxUrls: roblox.urls,
    logFile: server.logFile,
    stripeUrl: stripe.url,
    sqlUrl: server.databaseUrl ?? `postgres://postgres@127.0.0.1:${sqlPort}/postgres`,
  });
}

export async function teardown() {
  if (server && process.env.SHOW_SERVER_LOG) console.log(server.output());
  await server?.stop();
  await roblox?.close();
  await stripe?.close();
}
