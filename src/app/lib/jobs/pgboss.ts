import 'server-only';
import PgBoss from 'pg-boss';
import type { Db } from '../db';
import { retryDelayOf, retryLimitOf, type JobDefinition, type JobRunner } from './types';

type Jobs = Array<JobDefinition<never>>;

/**
 * pg-boss's SQL goes through the app's own Db: the failover-aware pool (a multi-host DATABASE_URL,
 * re-resolved after a lost primary) and the app's own role, not a second pool of its own.
 */
const viaDb = (db: Db) => ({ executeSql: (text: string, values?: unknown[]) => db.query(text, values) });

/** Whether this connection may create schemas: the owner's (or a superuser's), not the run-time role's. */
async function mayInstall(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ may: boolean }>(`SELECT has_database_privilege(current_database(), 'CREATE') AS may`);
  return rows[0]!.may;
}

async function createQueues(boss: PgBoss, jobs: Jobs): Promise<void> {
  for (const job of jobs) {
    await boss.createQueue(job.name, { name: job.name, policy: 'stately', retryLimit: retryLimitOf(job), retryDelay: Math.max(1, Math.round(retryDelayOf(job))) });
  }
}

// Row privileges on pg-boss's tables for the run-time role (migration 035); new queues' partitions
// are made by the owner, so this runs again whenever the owner has prepared them.
const GRANT_APP_ROLE = `DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'roblox_tool_app') THEN
    GRANT USAGE ON SCHEMA pgboss TO roblox_tool_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO roblox_tool_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA pgboss TO roblox_tool_app;
  END IF;
END $$`;

// Servers starting together (WEB_CONCURRENCY) race on the same new schema, partitions and catalog
// rows; PostgreSQL then aborts one of them, which simply does it again (it is all idempotent).
const isRace = (err: unknown) => (err as { code?: unknown }).code === '40P01' || /tuple concurrently (updated|deleted)|already exists/.test(String((err as Error).message));

/**
 * The owner's part (`npm run migrate`, or a server that connects as the owner): pg-boss's schema
 * installed or upgraded, the jobs' queues (each a partition: DDL) created, and the run-time role
 * allowed to use them. A server running as roblox_tool_app then needs no DDL at start.
 */
export async function preparePgBoss(owner: Db, jobs: Jobs): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const boss = new PgBoss({ db: viaDb(owner), supervise: false, schedule: false });
    boss.on('error', (err) => console.error('[jobs] pg-boss error:', err.message));
    try {
      await boss.start();
      await createQueues(boss, jobs);
      await owner.exec(GRANT_APP_ROLE);
      return;
    } catch (err) {
      if (!isRace(err) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  }
}

/**
 * Jobs on PostgreSQL through pg-boss: queued in the database (schema `pgboss`), so a queued run
 * survives a crash and is picked up by whichever instance polls first; a failed run is retried.
 * Every queue is `stately` (at most one queued and one active job), so a periodic job runs once at
 * a time across all instances however many of them tick. Transaction-scoped locks only: works
 * behind pgbouncer's transaction pooling.
 */
export async function startPgBoss(db: Db, jobs: Jobs): Promise<JobRunner> {
  const owner = await mayInstall(db);
  if (owner) await preparePgBoss(db, jobs);
  // Whatever the role: the schema and the queues exist now, so nothing here needs DDL.
  const boss = new PgBoss({ db: viaDb(db), schedule: false, migrate: false });
  boss.on('error', (err) => console.error('[jobs] pg-boss error:', err.message));
  try {
    await boss.start();
    await createQueues(boss, jobs);
  } catch (err) {
    if (owner) throw err;
    throw new Error(`background jobs: ${(err as Error).message}; run \`npm run migrate\` as the tables' owner (MIGRATION_DATABASE_URL) first`);
  }
  const timers: NodeJS.Timeout[] = [];
  for (const job of jobs) {
    await boss.work<object>(job.name, { pollingIntervalSeconds: 1 }, async ([j]) => {
      await job.run(db, (j?.data ?? {}) as never);
    });
    if (job.everySeconds) {
      const tick = () => void boss.send(job.name, {}).catch((err) => console.error(`[jobs] ${job.name}: could not queue:`, (err as Error).message));
      tick();
      timers.push(setInterval(tick, job.everySeconds * 1000).unref());
    }
  }
  return {
    kind: 'pg-boss',
    async send(job, data) {
      await boss.send(job.name, data);
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
