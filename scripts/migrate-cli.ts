import { config } from '../src/app/lib/config';
import { openDatabase } from '../src/app/lib/db';
import { migrate } from '../src/app/lib/db/migrate';
import { openPostgres } from '../src/app/lib/db/postgres';
import { repairCustomerStats } from '../src/app/lib/db/view-repair';
import { prepareJobs } from '../src/app/lib/jobs';
import { SERVER_JOBS } from '../src/app/lib/jobs/server-jobs';

/**
 * `npm run migrate [-- --to NNN] [--repair-views]`: applies pending migrations as the tables' owner
 * (MIGRATION_DATABASE_URL, else DATABASE_URL), or to the embedded database; `--repair-views` also
 * puts back a customer_stats view edited by hand. On PostgreSQL it also prepares the background jobs'
 * queues (pg-boss's schema), so the run-time role needs no DDL at start.
 */
export async function main(argv: string[]): Promise<void> {
  const toIndex = argv.indexOf('--to');
  const to = toIndex >= 0 ? Number(argv[toIndex + 1]) : undefined;
  if (to !== undefined && (!Number.isInteger(to) || to < 1)) {
    console.error('usage: npm run migrate -- [--to VERSION]   e.g. --to 012');
    process.exit(2);
  }
  const ownerUrl = config.migrationDatabaseUrl;
  const target = process.env.MIGRATION_DATABASE_URL ? 'PostgreSQL (MIGRATION_DATABASE_URL)' : process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'the embedded database';
  const db = ownerUrl ? openPostgres(ownerUrl, { max: 1 }) : await openDatabase();
  try {
    const applied = await migrate(db, { to, log: (line) => console.log(line) });
    await prepareJobs(db, SERVER_JOBS);
    const repaired = argv.includes('--repair-views') && (await repairCustomerStats(db)) === 'repaired';
    const { rows } = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    console.log(
      `${applied.length ? `Applied ${applied.length} migration(s)` : repaired ? 'Repaired customer_stats' : 'Nothing to apply'} on ${target}; ` +
        `schema version is now ${String(rows[0]?.v ?? 0).padStart(3, '0')}.`,
    );
  } finally {
    await db.close();
  }
}
