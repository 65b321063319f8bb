import { openDatabase } from '../src/app/lib/db';
import { migrate } from '../src/app/lib/db/migrate';
import { repairCustomerStats } from '../src/app/lib/db/view-repair';

/**
 * `npm run migrate [-- --to NNN] [--repair-views]`: applies pending migrations to DATABASE_URL, or
 * the embedded database; `--repair-views` also puts back a customer_stats view edited by hand.
 */
export async function main(argv: string[]): Promise<void> {
  const toIndex = argv.indexOf('--to');
  const to = toIndex >= 0 ? Number(argv[toIndex + 1]) : undefined;
  if (to !== undefined && (!Number.isInteger(to) || to < 1)) {
    console.error('usage: npm run migrate -- [--to VERSION]   e.g. --to 012');
    process.exit(2);
  }
  const target = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'the embedded database';
  const db = await openDatabase();
  try {
    const applied = await migrate(db, { to, log: (line) => console.log(line) });
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
