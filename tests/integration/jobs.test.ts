import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '@/app/lib/credits';
import { creditExpiryJob } from '@/app/lib/credits/jobs';
import type { Db } from '@/app/lib/db/types';
import { startJobs, type JobDefinition, type JobRunner } from '@/app/lib/jobs';
import { createTestDb, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';
import { newCustomer, rowsOf, sleep } from '../support/ledger-fixtures';

/**
 * The job runner (src/app/lib/jobs): pg-boss on PostgreSQL, in-process on PGlite. A periodic job
 * runs, one run at a time across runners ("instances") on one database, a failing run is retried,
 * and the credit expiry job books a due expiry within seconds.
 */

let t: TestDatabase;
let db: Db;
const runners: JobRunner[] = [];
beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
});
afterAll(async () => {
  for (const r of runners) await r.stop();
  await t?.drop();
});

async function start(jobs: Array<JobDefinition<never>>): Promise<JobRunner> {
  const r = await startJobs(db, jobs);
  runners.push(r);
  return r;
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await sleep(100);
  }
}

describe(`jobs on ${onPostgres ? 'pg-boss' : 'the in-process runner'}`, () => {
  it('runs on the runner that fits the database', async () => {
    const r = await start([]);
    expect(r.kind).toBe(onPostgres ? 'pg-boss' : 'in-process');
  });

  it('a periodic job runs, never twice at once however many runners tick it', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const job: JobDefinition = {
      name: `test.periodic.${Date.now()}`,
      everySeconds: 1,
      async run() {
        running++;
        most = Math.max(most, running);
        await sleep(700);
        running--;
        runs++;
      },
    };
    // Two "instances" on one database (on PGlite one process owns the database: one runner).
    await start([job]);
    if (onPostgres) await start([job]);
    await until(() => runs >= 3, 20_000);
    expect(most).toBe(1);
  });

  it('a failing run is retried', async () => {
    let attempts = 0;
    const job: JobDefinition<{ n: number }> = {
      name: `test.retry.${Date.now()}`,
      retryLimit: 2,
      retryDelaySeconds: 1,
      async run(_db, data) {
        attempts++;
        expect(data).toEqual({ n: 7 });
        if (attempts < 3) throw new Error(`attempt ${attempts} fails`);
      },
    };
    const r = await start([job as JobDefinition<never>]);
    await r.send(job, { n: 7 });
    await until(() => attempts >= 3, 20_000);
    await sleep(1500);
    expect(attempts).toBe(3);
  });

  it('the credit expiry job books a due expiry within seconds', async () => {
    const prev = process.env.CREDIT_EXPIRY_INTERVAL_SECONDS;
    process.env.CREDIT_EXPIRY_INTERVAL_SECONDS = '1';
    try {
      const c = await newCustomer(db);
      const g = await addCredits(db, { customerId: c, userId: null, type: 'admin_grant', amount: 9, description: 'trial', expiresAt: new Date(Date.now() + 1500) });
      await start([creditExpiryJob]);
      await until(async () => (await rowsOf(db, c)).some((r) => r.type === 'expiry'), 15_000);
      expect((await rowsOf(db, c)).at(-1)).toMatchObject({ type: 'expiry', amount: -9, grant_id: g.id });
    } finally {
      if (prev === undefined) delete process.env.CREDIT_EXPIRY_INTERVAL_SECONDS;
      else process.env.CREDIT_EXPIRY_INTERVAL_SECONDS = prev;
    }
  });
});
