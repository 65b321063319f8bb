#!/usr/bin/env node
// `npm run db:psql [-- psql args]`: psql on the app's database: DATABASE_URL when set, else the
// embedded database that `npm start` serves on PGLITE_SOCKET_PORT.
import { spawn } from 'node:child_process';

const port = process.env.PGLITE_SOCKET_PORT;
const url = process.env.DATABASE_URL || (port ? `postgres://postgres@127.0.0.1:${port}/postgres` : undefined);
if (!url) {
  console.error(
    'The embedded database is served to psql only while the app runs with PGLITE_SOCKET_PORT set:\n' +
      '  PGLITE_SOCKET_PORT=5433 npm start      (then, in another terminal)\n' +
      '  PGLITE_SOCKET_PORT=5433 npm run db:psql\n' +
      'With PostgreSQL, set DATABASE_URL instead.',
  );
  process.exit(2);
}
const psql = spawn('psql', [url, ...process.argv.slice(2)], { stdio: 'inherit' });
psql.on('error', (err) => {
  console.error(`Could not run psql (${err.message}). Install it, e.g. apt-get install postgresql-client.`);
  process.exit(1);
});
psql.on('exit', (code) => process.exit(code ?? 1));
