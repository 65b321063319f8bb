import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it} from 'vitest';
import { openPglite } from '@/app/lib/db/pglite';
import type { Db } from '@/app/lib/db/types';

// The lib project does not inherit the root testTimeout/hookTimeout (vitest projects need `extends: true`):
// PGlite start-up and child processes need more than vitest's 5 s / 10 s defaults on a busy machine.

/**
 * PGlite is single-process: two processes on one data directory would corrupt it. openPglite()
 * guards the directory with a lock file: a second process gets a clear error, and a lock left by
 * a process that died is taken over. PGlite-specific, but runs whatever TEST_DATABASE_URL says.
 */

const ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(ROOT, 'tests', 'support', 'pglite-child.ts');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-pglite-lock-'));
const open: Db[] = [];

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Opens the directory in another Node process (see tests/support/pglite-child.ts). */
function child(dataDir: string, ...args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', CHILD, dataDir, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function openHere(dataDir: string): Promise<Db> {
  const db = await openPglite(dataDir);
  open.push(db);
  return db;
}

async function closeHere(db: Db): Promise<void> {
  const i = open.indexOf(db);
  if (i >= 0) open.splice(i, 1);
  await db.close();
}

const lockFile = (dataDir: string) => `${dataDir}.lock`;

afterAll(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

// One data directory through its life; each step starts where the previous one left it (on-disk
// PGlite start-up is the slow part, so the steps share starts instead of each building a new directory).
describe('PGlite data directory lock', () => {
  const dir = path.join(tmp, 'pglite');
  let db: Db | undefined;

  it("a second process is refused with a clear 'already in use' error while this one holds the directory", async () => {
    db = await openHere(dir);
    await db.exec('CREATE TABLE notes (body text); INSERT INTO notes VALUES ($$mine$$);');
    expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(String(process.pid));

    const other = await child(dir, 'SELECT count(*)::int AS n FROM notes');
    expect(other.code).toBe(1);
    expect(other.stdout).toBe('');
    expect(other.stderr).toContain(`The embedded database at ${dir} is already in use by process ${process.pid}.`);
    expect(other.stderr).toMatch(/set PGLITE_DATA_DIR to another directory, or set DATABASE_URL to use PostgreSQL/);

    // The refused process touched nothing: our lock and our database are as they were.
    expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(String(process.pid));
    expect((await db.query('SELECT body FROM notes')).rows).toEqual([{ body: 'mine' }]);
  });

  it('closing releases the directory: another process then opens it and sees the data', async () => {
    expect(db, 'opened by the previous step').toBeDefined();
    await closeHere(db!);
    expect(fs.existsSync(lockFile(dir))).toBe(false);

    const other = await child(dir, 'SELECT body FROM notes');
    expect(other.stderr).toBe('');
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout).rows).toEqual([{ body: 'mine' }]);
    expect(fs.existsSync(lockFile(dir))).toBe(false);
  });

  it('a process killed while holding the directory leaves a lock that the next process takes over', async () => {
    const crashed = await child(dir, 'SELECT count(*)::int AS n FROM notes', '--crash');
    expect(crashed.signal).toBe('SIGKILL');
    const { pid, rows } = JSON.parse(crashed.stdout) as { pid: number; rows: unknown[] };
    expect(rows).toEqual([{ n: 1 }]);
    expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(String(pid));

    db = await openHere(dir);
    expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(String(process.pid));
    expect((await db.query('SELECT body FROM notes')).rows).toEqual([{ body: 'mine' }]);
    await closeHere(db);
  });

  it('a stale lock naming a process that no longer exists is taken over', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']);
    expect(dead.status).toBe(0);
    expect(dead.pid).toBeGreaterThan(0);
    fs.writeFileSync(lockFile(dir), String(dead.pid));

    db = await openHere(dir);
    expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(String(process.pid));
    expect((await db.query('SELECT body FROM notes')).rows).toEqual([{ body: 'mine' }]);
    await closeHere(db);
    expect(fs.existsSync(lockFile(dir))).toBe(false);
  });
});
