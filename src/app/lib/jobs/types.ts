import 'server-only';
import type { Db } from '../db';

/** A unit of background work, the same on both runners. */
export interface JobDefinition<T extends object = Record<string, never>> {
  /** Queue name, unique in the app (e.g. `credits.expire`). */
  name: string;
  /** Also run it every this many seconds (at most one run at a time across all instances). */
  everySeconds?: number;
  /** Attempts after the first failure (default 3), each `retryDelaySeconds` later (default 5). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  run(db: Db, data: T): Promise<void>;
}

export interface JobRunner {
  readonly kind: 'pg-boss' | 'in-process';
  /** Queues one run of a job (durably on PostgreSQL). */
  send<T extends object>(job: JobDefinition<T>, data: T): Promise<void>;
  stop(): Promise<void>;
}

export const retryLimitOf = (job: JobDefinition<never>) => job.retryLimit ?? 3;
export const retryDelayOf = (job: JobDefinition<never>) => job.retryDelaySeconds ?? 5;
