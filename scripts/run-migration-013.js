#!/usr/bin/env node
// Applies database/migrations/013_add_credits_to_customer_stats.sql (and any earlier migration
// still pending) to the database in DATABASE_URL, or to the embedded database when it is unset.
// Safe to run more than once; a customer_stats view edited by hand since is put back as the
// migrations define it. See database/migrations/APPLY_MIGRATION_013.md.
const path = require('node:path');

// The app's modules are marked server-only: they load only under React's `react-server` condition,
// which this command sets for itself (the guide runs it as plain `node`).
if (!process.execArgv.includes('--conditions=react-server')) {
  const { spawnSync } = require('node:child_process');
  const run = spawnSync(process.execPath, ['--conditions=react-server', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
require('tsx/cjs');

process.chdir(path.join(__dirname, '..'));
const { main } = require('./migrate-cli.ts');

main(['--to', '13', '--repair-views']).catch((err) => {
  console.error(`Migration 013 failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
