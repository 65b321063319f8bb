import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

/** Ends every connection the app holds to `database` (as a DBA or a failover would). */
export async function terminateBackends(adminUrl: string, database: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

function cluster(): { version: string; name: string } {
  const version = fs.readdirSync('/etc/postgresql').sort().at(-1)!;
  return { version, name: 'main' };
}

export async function waitForPostgres(adminUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error('PostgreSQL did not come back');
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Restarts the local PostgreSQL cluster (fast shutdown: every connection is cut). */
export async function restartPostgres(adminUrl: string): Promise<void> {
  const { version, name } = cluster();
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'restart', '-m', 'fast'], { stdio: 'ignore' });
  await waitForPostgres(adminUrl);
}
