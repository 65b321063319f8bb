import 'server-only';
import type { Db } from '../db';
import { retryDelayOf, retryLimitOf, type JobDefinition, type JobRunner } from './types';

/**
 * Jobs on the embedded database: PGlite is one process by construction, so the queue is this
 * process's memory. One run of a job at a time; a failure is retried after the job's delay; a run
 * asked for while one is going is queued once (as pg-boss's `stately` policy does).
 */
export function startInProcess(db: Db, jobs: Array<JobDefinition<never>>): JobRunner {
  const timers: NodeJS.Timeout[] = [];
  const state = new Map<string, { running: boolean; queued: object | undefined }>();
  let stopped = false;

  async function runOnce(job: JobDefinition<never>, data: object): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await job.run(db, data as never);
        return;
      } catch (err) {
        if (stopped || attempt >= retryLimitOf(job)) {
          console.error(`[jobs] ${job.name} failed after ${attempt + 1} attempt(s):`, (err as Error).message);
          return;
        }
        await new Promise((r) => setTimeout(r, retryDelayOf(job) * 1000).unref());
      }
    }
  }

  function send(job: JobDefinition<never>, data: object): void {
    const s = state.get(job.name) ?? { running: false, queued: undefined };
    state.set(job.name, s);
    if (s.running) {
      s.queued ??= data;
      return;
    }
    s.running = true;
    void (async () => {
      let next: object | undefined = data;
      while (next && !stopped) {
        await runOnce(job, next);
        next = s.queued;
        s.queued = undefined;
      }
      s.running = false;
    })();
  }

  for (const job of jobs) {
    if (!job.everySeconds) continue;
    send(job, {});
    timers.push(setInterval(() => send(job, {}), job.everySeconds * 1000).unref());
  }
  return {
    kind: 'in-process',
    async send(job, data) {
      send(job as JobDefinition<never>, data);
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
    },
  };
}
