#!/usr/bin/env node
// Applies database/migrations/013_add_credits_to_customer_stats.sql (and any earlier migration
// still pending) to the database in DATABASE_URL, or to the embedded database when it is unset.
// Safe to run more than once. See database/migrations/APPLY_MIGRATION_013.md.
require('tsx/cjs');
const path = require('node:path');

process.chdir(path.join(__dirname, '..'));
const { main } = require('./migrate-cli.ts');

main(['--to', '13']).catch((err) => {
  console.error(`Migration 013 failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
