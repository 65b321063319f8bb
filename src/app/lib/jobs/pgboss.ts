import 'server-only';
import PgBoss from 'pg-boss';
import type { Db } from '../db';
import { retryDelayOf, retryLimitOf, type JobDefinition, type JobRunner } from './types';

/**
 * Jobs on PostgreSQL through pg-boss: queued in the database (schema `pgboss`), so a queued run
 * survives a crash and is picked up by whichever instance polls first; a failed run is retried.
 * Every queue is `stately` (at most one queued and one active job), so a periodic job runs once at
 * a time across all instances however many of them tick. Transaction-scoped locks only: works
 * behind pgbouncer's transaction pooling.
 */
export async function startPgBoss(db: Db, connectionString: string, jobs: Array<JobDefinition<never>>): Promise<JobRunner> {
  const boss = new PgBoss({ connectionString, max: 2, schedule: false, application_name: 'roblox-tool jobs' });
  boss.on('error', (err) => console.error('[jobs] pg-boss error:', err.message));
  await boss.start();
  const timers: NodeJS.Timeout[] = [];
  for (const job of jobs) {
    await boss.createQueue(job.name, { name: job.name, policy: 'stately', retryLimit: retryLimitOf(job), retryDelay: retryDelayOf(job) });
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
