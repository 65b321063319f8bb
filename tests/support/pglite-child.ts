/**
 * A second process for tests/integration/pglite-lock.test.ts:
 *   node --import tsx tests/support/pglite-child.ts <dataDir> [sql] [--crash]
 * Opens the embedded database on <dataDir> with the app's openPglite(), runs the optional SQL and
 * prints its rows as JSON, then closes and exits 0. On failure it prints the error message to stderr
 * and exits 1. With --crash it is SIGKILLed while holding the database (as a crash would), leaving
 * its lock file behind.
 */
import { openPglite } from '../../src/app/lib/db/pglite';

async function main(): Promise<void> {
  const [dataDir, sql, flag] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: pglite-child.ts <dataDir> [sql] [--crash]');
  const db = await openPglite(dataDir);
  const rows = sql ? (await db.query(sql)).rows : [];
  process.stdout.write(`${JSON.stringify({ pid: process.pid, rows })}\n`);
  if (flag === '--crash') process.kill(process.pid, 'SIGKILL');
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
