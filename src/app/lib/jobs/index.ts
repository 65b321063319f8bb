import 'server-only';
import type { Db } from '../db';
import { startInProcess } from './in-process';
import { preparePgBoss, startPgBoss } from './pgboss';
import type { JobDefinition, JobRunner } from './types';

export type { JobDefinition, JobRunner } from './types';

/**
 * Starts the background jobs on the runner that fits the database: pg-boss on PostgreSQL (durable,
 * one runner per job across instances, retried), in-process on the embedded PGlite. Payments, bulk
 * grants and webhook deliveries define their jobs the same way: `{ name, everySeconds?, run }`.
 */
export async function startJobs(db: Db, jobs: Array<JobDefinition<never>>): Promise<JobRunner> {
  const runner = db.kind === 'postgres' ? await startPgBoss(db, jobs) : startInProcess(db, jobs);
  (globalThis as Holder)[KEY] = runner;
  return runner;
}

// The process's runner, for request handlers (Next bundles them apart from instrumentation).
const KEY = Symbol.for('roblox-tool.jobs');
type Holder = { [KEY]?: JobRunner };

/**
 * Asks for a run of a periodic job now rather than at its next tick (e.g. a batch just committed).
 * Without a runner in this process (a script, a test) it does nothing: the tick still comes.
 */
export async function wakeJob(job: JobDefinition<never>): Promise<void> {
  await (globalThis as Holder)[KEY]?.send(job, {} as never);
}

/** The owner's part of the jobs' schema (pg-boss's tables and queues), run with the migrations. */
export async function prepareJobs(owner: Db, jobs: Array<JobDefinition<never>>): Promise<void> {
  if (owner.kind === 'postgres') await preparePgBoss(owner, jobs);
}
