// Server start: open and migrate the database and make sure the bootstrap admin exists (printing a
// generated password once), so the first request finds everything ready.
import { app } from './app/lib/app';
import { secretsOf } from './app/lib/auth/keys';
import { pruneSessions } from './app/lib/auth/session';
import { checkConfig, config } from './app/lib/config';
import { openJobsDatabase } from './app/lib/db';
import { isDatabaseAway } from './app/lib/db/unavailable';
import { installServerHooks } from './app/lib/http/server-hooks';
import { startJobs } from './app/lib/jobs';
import { storeDefaultThreshold } from './app/lib/notifications/alerts';
import { SERVER_JOBS } from './app/lib/jobs/server-jobs';
import { sealWebhookSecrets } from './app/lib/webhooks';
import { refundStaleSearches } from './app/lib/searches';

// Without NEXTAUTH_URL, NextAuth builds its URLs from the request's Host header.
if (!process.env.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST ??= 'true';

// Before the first request: the sign-in limits need every request's real socket address.
installServerHooks();

/**
 * The app once its database answers. A database that is away for a moment at start (restarting, a
 * failover under way, a pooler waiting between server logins) is waited for, up to a minute, as
 * requests wait for it later; anything else (bad configuration, a bootstrap conflict) stops the
 * start at once.
 */
async function appOnceDatabaseAnswers(waitMs = 60_000) {
  const deadline = Date.now() + waitMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await app();
    } catch (err) {
      if (!isDatabaseAway(err) || Date.now() + delay > deadline) throw err;
      console.log(`[startup] the database is not answering (${(err as { details?: string }).details ?? (err as Error).message}): trying again in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

try {
  checkConfig();
  const { db, sessionSecret } = await appOnceDatabaseAnswers();
  console.log(`[startup] ready on ${db.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}`);
  // Look-ups interrupted between their debit and Roblox's answer (a crash, a kill) are refunded.
  const sweep = () =>
    refundStaleSearches(db)
      .then((n) => n > 0 && console.log(`[lookups] refunded ${n} interrupted look-up(s)`))
      .catch((err) => console.error('[lookups] refund sweep failed:', (err as Error).message));
  void sweep();
  setInterval(sweep, 60_000).unref();
  // Sessions that ended or lapsed a month ago are only clutter (their sign-ins stay in the audit log).
  setInterval(() => {
    pruneSessions(db).catch((err) => console.error('[auth] session clean-up failed:', (err as Error).message));
  }, 3_600_000).unref();
  await storeDefaultThreshold(db, config.lowBalanceThreshold);
  const { sealed, unreadable } = await sealWebhookSecrets(db, secretsOf(sessionSecret));
  if (sealed > 0) console.log(`[webhooks] sealed ${sealed} webhook signing secret(s) under the current NEXTAUTH_SECRET`);
  if (unreadable > 0) {
    console.error(
      `[webhooks] ${unreadable} webhook signing secret(s) were sealed under a NEXTAUTH_SECRET this instance does not have: ` +
        'their deliveries fail until that secret is set in NEXTAUTH_SECRET_PREVIOUS (or the endpoints are made again)',
    );
  }
  // Webhook deliveries and alert emails wait in the outbox (written with the change that caused
  // them): a restart after a crash picks up whatever was not delivered.
  const jobsDb = openJobsDatabase(db);
  const jobs = await startJobs(jobsDb, SERVER_JOBS);
  console.log(`[startup] background jobs on ${jobs.kind}`);
  // scripts/server.mjs calls this once the requests in flight have drained (SIGTERM, pm2 reload).
  (globalThis as { [k: symbol]: unknown })[Symbol.for('roblox-tool.shutdown')] = async () => {
    await jobs.stop();
    if (jobsDb !== db) await jobsDb.close();
    await db.close();
  };
} catch (err) {
  console.error(`[startup] ${(err as Error).message}`);
  process.exit(1);
}
