import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it} from 'vitest';
import { migrate } from '@/app/lib/db/migrate';
import { openPostgres } from '@/app/lib/db/postgres';
import type { Db, Queryable } from '@/app/lib/db/types';
import { createPostgresDatabase, createTestDb, unique, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';

// The lib project does not inherit the root testTimeout/hookTimeout (vitest projects need `extends: true`):
// PGlite start-up and child processes need more than vitest's 5 s / 10 s defaults on a busy machine.

const ROOT = path.resolve(__dirname, '../..');
const MIGRATIONS = path.join(ROOT, 'database', 'migrations');
const FILE_013 = path.join(MIGRATIONS, '013_add_credits_to_customer_stats.sql');
const run = promisify(execFile);

const migrationFiles = fs
  .readdirSync(MIGRATIONS)
  .filter((f) => /^\d{3}_.+\.sql$/.test(f))
  .sort();
const ALL = migrationFiles.map((f) => Number(f.slice(0, 3)));
const UP_TO_12 = ALL.filter((v) => v <= 12);

const BASE_VIEW_COLUMNS = ['id', 'name', 'status', 'created_at', 'updated_at', 'user_count', 'active_user_count', 'total_searches'];
const VIEW_COLUMNS_013 = [
  ...BASE_VIEW_COLUMNS,
  'contact_email',
  'max_users',
  'logo_url',
  'credit_balance',
  'total_credits_purchased',
  'total_credits_used',
];
/** Migration 021 names every other kind of credit movement, in a view of its own. */
const CREDIT_TOTALS_COLUMNS = [
  'id',
  'credit_balance',
  'total_credits_purchased',
  'total_credits_used',
  'total_credits_paid',
  'total_credits_promotional',
  'total_credits_refunded',
  'total_credits_expired',
  'total_credits_voided',
  'total_credits_deducted',
];

/** The guide (the project's copy when it exists, else the user's original). */
function guideText(): string {
  const own = path.join(ROOT, 'ADMIN_CREDIT_MANAGEMENT_GUIDE.md');
  return fs.readFileSync(fs.existsSync(own) ? own : path.resolve(ROOT, '../shared/guide/ADMIN_CREDIT_MANAGEMENT_GUIDE.txt'), 'utf8');
}

/** The SQL of the guide's "Step 2: Verify the Migration" section, exactly as written there. */
function guideStep2Sql(): string {
  const text = guideText();
  const start = text.indexOf('Step 2: Verify the Migration');
  const end = text.indexOf('Step 3', start);
  expect(start, 'the guide has a "Step 2: Verify the Migration" section').toBeGreaterThanOrEqual(0);
  const blocks = [...text.slice(start, end).matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  const sql = blocks.filter((b) => /\bSELECT\b/i.test(b)).join('\n');
  expect(sql).toMatch(/information_schema\.columns/);
  return sql;
}

async function viewColumns(q: Queryable, view = 'customer_stats'): Promise<string[]> {
  const { rows } = await q.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [view],
  );
  return rows.map((r) => r.column_name);
}

async function recorded(q: Queryable) {
  const { rows } = await q.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows;
}

/**
 * A customer with some credits, so views have something to show. Plain SQL of the 005 ledger: the
 * lib's addCredits writes columns that later migrations add.
 */
async function customerWithCredits(q: Queryable, amount: number): Promise<number> {
  const { rows } = await q.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('Mig')]);
  await q.query(`INSERT INTO credit_transactions (customer_id, type, amount, description) VALUES ($1, 'purchase', $2, 'seed')`, [rows[0]!.id, amount]);
  return rows[0]!.id;
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(path.join(MIGRATIONS, file), 'utf8')).digest('hex');

// One database for the file; each scenario starts from an empty public schema.
let t: TestDatabase;
let db: Db;
async function emptyDatabase(): Promise<void> {
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
}

beforeAll(async () => {
  t = await createTestDb({ migrateTo: 'none' });
  db = t.db;
});
afterAll(async () => {
  await t?.drop();
});

describe('migrations', () => {
  // Work in parallel takes numbers from ranges (each developer has one), so later numbers may skip.
  it('the repository has migrations 001-014 without gaps, then later ones (look-ups v2: 030-034, the app role 035 and its decisions on later tables 061 and 080, payments 040 among them), each once, in order', () => {
    expect(ALL.slice(0, 14)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(ALL).toEqual(expect.arrayContaining([30, 31, 32, 33, 34, 35, 40, 61, 80]));
    expect(ALL).toEqual([...new Set(ALL)].sort((a, b) => a - b));
    expect(migrationFiles[12]).toBe('013_add_credits_to_customer_stats.sql');
  });

  it('applies every migration in order and records each with its sha256 checksum', async () => {
    await emptyDatabase();
    const log: string[] = [];
    expect(await migrate(db, { log: (line) => log.push(line) })).toEqual(ALL);
    expect(log).toEqual(migrationFiles.map((f) => `applied migration ${f.replace(/\.sql$/, '')}`));
    const rows = await recorded(db);
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(
      migrationFiles.map((f) => [Number(f.slice(0, 3)), f.slice(4, -4), sha256(f)]),
    );
    for (const r of rows) expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
    const times = rows.map((r) => r.applied_at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // customer_stats keeps 013's columns exactly, so the guide's `psql -f 013` still runs on it.
    expect(await viewColumns(db)).toEqual(VIEW_COLUMNS_013);
    expect(await viewColumns(db, 'customer_credit_totals')).toEqual(CREDIT_TOTALS_COLUMNS);
    await db.exec(fs.readFileSync(FILE_013, 'utf8'));
    expect(await viewColumns(db)).toEqual(VIEW_COLUMNS_013);
  });

  it('a second migrate() applies nothing and leaves the records untouched', async () => {
    const before = await recorded(db);
    const log: string[] = [];
    expect(await migrate(db, { log: (line) => log.push(line) })).toEqual([]);
    expect(log).toEqual([]);
    expect(await recorded(db)).toEqual(before);
  });

  it('migrate({ to: 12 }) stops at 012 (no credit columns yet); a later migrate({ to: 13 }) applies only 013', async () => {
    await emptyDatabase();
    expect(await migrate(db, { to: 12 })).toEqual(UP_TO_12);
    expect((await recorded(db)).map((r) => r.version)).toEqual(UP_TO_12);
    expect(await viewColumns(db)).toEqual(BASE_VIEW_COLUMNS);
    await expect(db.query('SELECT credit_balance FROM customer_stats')).rejects.toThrow(/credit_balance/);

    const customerId = await customerWithCredits(db, 75);
    expect(await migrate(db, { to: 13 })).toEqual([13]);
    expect(await viewColumns(db)).toEqual(VIEW_COLUMNS_013);
    const { rows } = await db.query('SELECT credit_balance, total_credits_purchased, total_credits_used FROM customer_stats WHERE id = $1', [
      customerId,
    ]);
    expect(rows).toEqual([{ credit_balance: 75, total_credits_purchased: 75, total_credits_used: 0 }]);
  });

  it('refuses a migration edited after it was applied, with a clear checksum error, and runs nothing after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-migrations-'));
    try {
      for (const f of migrationFiles) fs.copyFileSync(path.join(MIGRATIONS, f), path.join(dir, f));
      await emptyDatabase();
      expect(await migrate(db, { dir })).toEqual(ALL);

      const edited = path.join(dir, '005_credit_transactions.sql');
      const original = fs.readFileSync(edited, 'utf8');
      fs.writeFileSync(edited, `${original}\nCREATE INDEX sneaky_idx ON credit_transactions (description);\n`);
      // After the newest (the numbers skip between ranges, so not ALL.length + 1).
      const next = Math.max(...ALL) + 1;
      const later = String(next).padStart(3, '0');
      fs.writeFileSync(path.join(dir, `${later}_later.sql`), 'CREATE TABLE later_marker (id int);\n');

      const err = await migrate(db, { dir }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/^Migration 0*5_credit_transactions was changed after it was applied \(checksum mismatch\)/);
      expect(err?.message).toMatch(/new migration/);
      expect((await recorded(db)).map((r) => r.version)).toEqual(ALL);
      const { rows } = await db.query(`SELECT to_regclass('public.later_marker') AS later, to_regclass('public.sneaky_idx') AS sneaky`);
      expect(rows).toEqual([{ later: null, sneaky: null }]);

      // Put the file back as it was: the new migration after it goes through.
      fs.writeFileSync(edited, original);
      expect(await migrate(db, { dir })).toEqual([next]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("013's SQL run twice by hand on a 012 database is harmless, and so is the runner applying 013 afterwards", async () => {
    await emptyDatabase();
    await migrate(db, { to: 12 });
    const customerId = await customerWithCredits(db, 120);
    await db.query(`UPDATE customers SET contact_email = 'ops@example.com', max_users = 7 WHERE id = $1`, [customerId]);
    const sql = fs.readFileSync(FILE_013, 'utf8');
    await db.exec(sql);
    await db.exec(sql);
    expect(await viewColumns(db)).toEqual(VIEW_COLUMNS_013);

    expect(await migrate(db, { to: 13 })).toEqual([13]);
    await db.exec(sql); // and once more after the runner recorded it
    expect(await migrate(db, { to: 13 })).toEqual([]);
    expect(await viewColumns(db)).toEqual(VIEW_COLUMNS_013);
    expect((await recorded(db)).at(-1)).toMatchObject({ version: 13, checksum: sha256(migrationFiles[12]!) });
    const { rows } = await db.query(
      `SELECT contact_email, max_users, logo_url, credit_balance, total_credits_purchased, total_credits_used
         FROM customer_stats WHERE id = $1`,
      [customerId],
    );
    expect(rows).toEqual([
      { contact_email: 'ops@example.com', max_users: 7, logo_url: null, credit_balance: 120, total_credits_purchased: 120, total_credits_used: 0 },
    ]);
  });
});

/** A fresh PostgreSQL database for one test, dropped afterwards whatever happens. */
async function withPostgresDatabase(fn: (url: string) => Promise<void>): Promise<void> {
  const created = await createPostgresDatabase();
  try {
    await fn(created.url);
  } finally {
    await created.drop();
  }
}

async function withDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const pgDb = openPostgres(url, { max: 2 });
  try {
    return await fn(pgDb);
  } finally {
    await pgDb.close();
  }
}

/** Runs a command, feeding `input` to stdin; resolves with its exit code and output. */
function runCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

describe.skipIf(!onPostgres)('migrations on PostgreSQL', () => {
  it("013 applied with psql -f (the guide's Option B) passes the guide's Step 2 verification queries", async () => {
    await withPostgresDatabase(async (url) => {
      const customerId = await withDb(url, async (pgDb) => {
        await migrate(pgDb, { to: 12 });
        return customerWithCredits(pgDb, 33);
      });
      const apply = await runCommand('psql', [url, '-v', 'ON_ERROR_STOP=1', '-f', 'database/migrations/013_add_credits_to_customer_stats.sql']);
      expect(apply.stderr).toBe('');
      expect(apply.code).toBe(0);
      expect(apply.stdout).toMatch(/CREATE VIEW/);

      // The guide's Step 2 block, pasted into psql as it stands.
      const verify = await runCommand('psql', [url, '-v', 'ON_ERROR_STOP=1', '-X', '-A', '-t', '-F', '|'], { input: guideStep2Sql() });
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
      const lines = verify.stdout.split('\n').filter(Boolean);
      const columns = lines.filter((l) => l.split('|').length === 2).sort();
      const rows = lines.filter((l) => l.split('|').length === 5);
      expect(columns).toEqual(['credit_balance|bigint', 'total_credits_purchased|bigint', 'total_credits_used|bigint']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(new RegExp(`^${customerId}\\|Mig_[^|]+\\|33\\|33\\|0$`));

      // The runner then records 013 without complaint.
      expect(await withDb(url, (pgDb) => migrate(pgDb, { to: 13 }))).toEqual([13]);
    });
  });

  it('two app instances migrating one empty database at once both succeed; each migration runs once', async () => {
    await withPostgresDatabase(async (url) => {
      const a = openPostgres(url, { max: 2 });
      const b = openPostgres(url, { max: 2 });
      try {
        const [fromA, fromB] = await Promise.all([migrate(a), migrate(b)]);
        expect([...fromA, ...fromB].sort((x, y) => x - y)).toEqual(ALL);
        const { rows } = await a.query<{ version: number; n: number }>(
          'SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version',
        );
        expect(rows).toEqual(ALL.map((version) => ({ version, n: 1 })));
        expect(await viewColumns(a)).toEqual(VIEW_COLUMNS_013);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });

  it('`npm run migrate -- --to 012`, then `node scripts/run-migration-013.js` (twice), on DATABASE_URL', async () => {
    await withPostgresDatabase(async (url) => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
      delete env.MIGRATIONS_DIR;
      delete env.PGLITE_DATA_DIR;

      const to12 = await run('npm', ['run', 'migrate', '--', '--to', '012'], { cwd: ROOT, env });
      expect(to12.stdout).toContain('applied migration 012_admin_list_indexes');
      expect(to12.stdout).not.toContain('013_');
      expect(to12.stdout).toMatch(/Applied 12 migration\(s\) on PostgreSQL \(DATABASE_URL\); schema version is now 012\./);
      expect(await withDb(url, viewColumns)).toEqual(BASE_VIEW_COLUMNS);

      const first = await run(process.execPath, ['scripts/run-migration-013.js'], { cwd: ROOT, env });
      expect(first.stdout).toContain('applied migration 013_add_credits_to_customer_stats');
      expect(first.stdout).toMatch(/Applied 1 migration\(s\) on PostgreSQL \(DATABASE_URL\); schema version is now 013\./);
      expect(await withDb(url, viewColumns)).toEqual(VIEW_COLUMNS_013);

      const again = await run(process.execPath, ['scripts/run-migration-013.js'], { cwd: ROOT, env });
      expect(again.stdout).toMatch(/Nothing to apply on PostgreSQL \(DATABASE_URL\); schema version is now 013\./);
    });
  });
});
