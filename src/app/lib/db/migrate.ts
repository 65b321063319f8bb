import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config';
import type { Db, Queryable } from './types';

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

function label(m: Migration): string {
  return `${String(m.version).padStart(3, '0')}_${m.name}`;
}

function changedAfterApply(m: Migration): Error {
  return new Error(`Migration ${label(m)} was changed after it was applied (checksum mismatch). Add a new migration instead of editing an applied one.`);
}

/**
 * The migrations not applied yet, read without any DDL or lock, so the app's own run-time role
 * (which may create nothing) can tell at start that it has nothing to do. An applied migration
 * whose file changed is refused here too.
 */
export async function pendingMigrations(db: Queryable, opts: Pick<MigrateOptions, 'to' | 'dir'> = {}): Promise<Migration[]> {
  const wanted = loadMigrations(opts.dir).filter((m) => opts.to === undefined || m.version <= opts.to);
  const { rows: exists } = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists[0]?.t) return wanted;
  const { rows } = await db.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
  const applied = new Map(rows.map((r) => [Number(r.version), r.checksum]));
  for (const m of wanted) if (applied.has(m.version) && applied.get(m.version) !== m.checksum) throw changedAfterApply(m);
  return wanted.filter((m) => !applied.has(m.version));
}

/**
 * Applies pending migrations in order, one transaction each. Every transaction first takes a
 * transaction-scoped advisory lock (safe behind pgbouncer's transaction pooling), so instances
 * starting together apply each migration exactly once. Returns the versions it applied.
 */
export async function migrate(db: Db, opts: MigrateOptions = {}): Promise<number[]> {
  const migrations = await pendingMigrations(db, opts);
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
        if (rows[0].checksum !== migration.checksum) throw changedAfterApply(migration);
        return false; // another instance applied it while we waited for the lock
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
      opts.log?.(`applied migration ${label(migration)}`);
    }
  }
  return applied;
}
