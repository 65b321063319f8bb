import 'server-only';
import { config } from '../config';
import type { Db } from '../db';
import { startInProcess } from './in-process';
import { startPgBoss } from './pgboss';
import type { JobDefinition, JobRunner } from './types';

export type { JobDefinition, JobRunner } from './types';

/**
 * Starts the background jobs on the runner that fits the database: pg-boss on PostgreSQL (durable,
 * one runner per job across instances, retried), in-process on the embedded PGlite. Payments, bulk
 * grants and webhook deliveries define their jobs the same way: `{ name, everySeconds?, run }`.
 */
export function startJobs(db: Db, jobs: Array<JobDefinition<never>>, connectionString = config.databaseUrl): Promise<JobRunner> {
  if (db.kind === 'postgres') {
    if (!connectionString) throw new Error('startJobs on PostgreSQL needs its connection string');
    return startPgBoss(db, connectionString, jobs);
  }
  return Promise.resolve(startInProcess(db, jobs));
}
