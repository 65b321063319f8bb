import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config';
import type { Db } from './types';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  /** Stop after this version (inclusive). */
  to?: number;
  dir?: string;
  log?: (line: string) => void;
}

// Any constant works; it only has to be the same for every instance that migrates this database.
const MIGRATION_LOCK_KEY = 7_301_013;

export function migrationsDir(): string {
  return config.migrationsDir;
}

export function loadMigrations(dir = migrationsDir()): Migration[] {
  return fs
    .readdirSync(dir)
    .map((file) => /^(\d{3})_(.+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([file, version, name]) => {
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(version),
        name: name!,
        sql,
        checksum: crypto.createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies pending migrations in order, one transaction each. Every transaction first takes a
 * transaction-scoped advisory lock (safe behind pgbouncer's transaction pooling), so instances
 * starting together apply each migration exactly once. Returns the versions it applied.
 */
export async function migrate(db: Db, opts: MigrateOptions = {}): Promise<number[]> {
  const migrations = loadMigrations(opts.dir).filter((m) => opts.to === undefined || m.version <= opts.to);
  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = $1',
        [migration.version],
      );
      if (rows[0]) {
        if (rows[0].checksum !== migration.checksum) {
          throw new Error(
            `Migration ${String(migration.version).padStart(3, '0')}_${migration.name} was changed after it was applied ` +
              '(checksum mismatch). Add a new migration instead of editing an applied one.',
          );
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (didApply) {
      applied.push(migration.version);
      opts.log?.(`applied migration ${String(migration.version).padStart(3, '0')}_${migration.name}`);
    }
  }
  return applied;
}
