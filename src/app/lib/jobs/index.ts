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
export function startJobs(db: Db, jobs: Array<JobDefinition<never>>): Promise<JobRunner> {
  if (db.kind === 'postgres') return startPgBoss(db, jobs);
  return Promise.resolve(startInProcess(db, jobs));
}

/** The owner's part of the jobs' schema (pg-boss's tables and queues), run with the migrations. */
export async function prepareJobs(owner: Db, jobs: Array<JobDefinition<never>>): Promise<void> {
  if (owner.kind === 'postgres') await preparePgBoss(owner, jobs);
}
