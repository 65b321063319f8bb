/**
 * `npx tsx --conditions=react-server tests/chaos/formation-selftest.ts [--default]`: builds a pg_auto_failover formation,
 * writes rows through the multi-host URI, SIGKILLs the primary, waits for the standby to take
 * writes, checks that every acknowledged row is there, and tears it all down. Prints timings.
 * --default measures pg_auto_failover's stock failure detection instead of the tuned one.
 */
import pg from 'pg';
import { findHost, isMultiHostUri } from '../../src/app/lib/db/multi-host';
import { autoFailoverAvailable, createFormation, type Formation } from './formation';

const tuned = !process.argv.includes('--default');
const ROWS = 50;

/** pg_autoctl's URI names no user; the app connects as postgres (trust on 127.0.0.1). */
const asPostgres = (uri: string) => uri.replace('postgres://', 'postgres://postgres@');

async function writeRows(uri: string, from: number, count: number): Promise<number[]> {
  const { connectionString } = await findHost(uri, { connectTimeoutMs: 3_000 });
  const pool = new pg.Pool({ connectionString, max: 2, connectionTimeoutMillis: 3_000, query_timeout: 5_000 });
  pool.on('error', () => {});
  const acked: number[] = [];
  try {
    for (let i = from; i < from + count; i++) {
      await pool.query('INSERT INTO ledger (id, note) VALUES ($1, $2)', [i, `row ${i}`]);
      acked.push(i); // COMMIT returned: synchronous replication says the standby has it too
    }
  } finally {
    await pool.end();
  }
  return acked;
}

async function main(): Promise<void> {
  if (!autoFailoverAvailable()) {
    console.log('SKIP: pg_autoctl is not installed (apt-get install -y postgresql-15-auto-failover)');
    return;
  }
  const t0 = Date.now();
  let formation: Formation | undefined;
  try {
    formation = await createFormation({ database: 'app', tuned });
    const created = Date.now() - t0;
    const uri = asPostgres(formation.uri);
    console.log(`formation up in ${created} ms (${tuned ? 'tuned' : 'default'} monitor settings): ${formation.uri}`);
    console.log(`multi-host URI: ${isMultiHostUri(uri)}; node-postgres cannot parse it itself:`, pgParses(uri));

    const before = await formation.primary();
    const { connectionString } = await findHost(uri);
    const setup = new pg.Client({ connectionString });
    await setup.connect();
    await setup.query('CREATE TABLE ledger (id int PRIMARY KEY, note text NOT NULL)');
    await setup.end();
    const acked = await writeRows(uri, 1, ROWS);
    console.log(`primary ${before.name}:${before.port}; ${acked.length} rows acknowledged`);

    const killed = await formation.killPrimary();
    console.log(`SIGKILLed ${killed.name} (keeper, postmaster, backends)`);
    const next = await formation.waitForNewPrimary({ timeoutMs: 180_000 });
    console.log(`new primary ${next.name}:${next.port} takes writes ${next.ms} ms after the kill`);
    if (next.name === killed.name) throw new Error('the killed node is still primary');

    // The same URI finds the new primary; every acknowledged row must be there.
    const found = await findHost(uri);
    if (found.host.port !== next.port) throw new Error(`findHost picked ${found.host.port}, monitor says ${next.port}`);
    const client = new pg.Client({ connectionString: found.connectionString });
    await client.connect();
    const { rows } = await client.query<{ id: number }>('SELECT id FROM ledger ORDER BY id');
    await client.end();
    const missing = acked.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw new Error(`acknowledged rows missing on the new primary: ${missing.join(',')}`);
    const after = await writeRows(uri, ROWS + 1, 5);
    console.log(`all ${acked.length} acknowledged rows on ${next.name}; ${after.length} more written there`);

    const t1 = Date.now();
    await formation.destroy();
    console.log(`destroyed in ${Date.now() - t1} ms`);
    console.log(`RESULT ${tuned ? 'tuned' : 'default'}: kill -> writable ${next.ms} ms (create ${created} ms, total ${Date.now() - t0} ms)`);
    console.log('1 passed, 0 failed');
  } catch (err) {
    console.error((err as Error).stack ?? err);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  } finally {
    await formation?.destroy();
  }
}

function pgParses(uri: string): string {
  try {
    new pg.Client({ connectionString: uri });
    return 'it can';
  } catch (err) {
    return (err as Error).message;
  }
}

void main();
