import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addCredits } from '@/app/lib/credits';
import { migrate } from '@/app/lib/db/migrate';
import { openPglite } from '@/app/lib/db/pglite';
import { ensureBuild, freePort, stopChild, treeRssMb, waitFor } from './server';
import { round } from './stats';

/**
 * Embedded: `npm start` (scripts/start.mjs, the README's command) on a fresh PGlite directory,
 * timed from spawn to the first 200 of the sign-in page: that covers Next's start, opening PGlite,
 * applying every migration and creating the bootstrap admin. The build is made (if stale) first and
 * not counted. Then credit additions per second through credits.ts on PGlite, in-process, on the
 * same directory (PGlite is one connection: one worker).
 */

export interface EmbeddedResult {
  /** Median of `starts` (each on its own fresh directory). */
  startSeconds: number;
  starts: number[];
  rssAtStartMb: number;
  additionsPerSecond: number;
  additions: number;
  seconds: number;
}

const ROOT = path.resolve(__dirname, '..');

/** One `npm start` on a fresh directory: seconds to the first served page, and RSS then. */
async function startOnce(dataDir: string): Promise<{ seconds: number; rssMb: number }> {
  const port = await freePort();
  let log = '';
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), '-H', '127.0.0.1'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      PGLITE_DATA_DIR: dataDir,
      ADMIN_PASSWORD: 'bench-embedded-password',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  try {
    await waitFor(`http://127.0.0.1:${port}/login`, child, () => log, 120_000, 25);
    return { seconds: round((performance.now() - started) / 1000, 2), rssMb: treeRssMb(child.pid!) };
  } finally {
    await stopChild(child);
  }
}

export async function runEmbedded(opts: { seconds: number; starts: number }): Promise<EmbeddedResult> {
  ensureBuild();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-bench-pglite-'));
  try {
    const runs: Array<{ seconds: number; rssMb: number }> = [];
    for (let i = 0; i < opts.starts; i++) runs.push(await startOnce(path.join(dir, `pglite-${i}`)));
    const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const startSeconds = median.seconds;
    const rssAtStartMb = median.rssMb;
    const dataDir = path.join(dir, 'pglite-0');

    const db = await openPglite(dataDir);
    try {
      await migrate(db);
      const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (name) VALUES ('Embedded bench') RETURNING id`);
      const customerId = rows[0]!.id;
      for (let i = 0; i < 50; i++) await addCredits(db, { customerId, userId: null, type: 'purchase', amount: 1, description: 'warm-up' });
      let additions = 0;
      const t0 = performance.now();
      const deadline = t0 + opts.seconds * 1000;
      while (performance.now() < deadline) {
        await addCredits(db, { customerId, userId: null, type: 'purchase', amount: 1, description: 'bench: credit addition' });
        additions++;
      }
      const seconds = (performance.now() - t0) / 1000;
      return { startSeconds, starts: runs.map((r) => r.seconds), rssAtStartMb, additionsPerSecond: Math.round(additions / seconds), additions, seconds: round(seconds, 2) };
    } finally {
      await db.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
