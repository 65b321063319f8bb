/**
 * Defect 4: ADMIN_USERNAME naming an existing tenant user. Start-up must stop (non-zero exit, a
 * message naming the conflict) and change nothing: the user stays in its customer, with its role
 * and its password.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '@/app/lib/auth/password';
import { migrate } from '@/app/lib/db/migrate';
import { openPglite } from '@/app/lib/db/pglite';
import { openPostgres } from '@/app/lib/db/postgres';
import type { Db } from '@/app/lib/db/types';
import { createPostgresDatabase, unique } from '../support/db';
import { onPostgres } from '../support/env';
// @ts-expect-error plain CommonJS helper shared with `npm start`
import { nextBin, root } from '../../scripts/build-if-stale.cjs';

let dir: string;
let env: Record<string, string>;
let drop = async () => {};
const username = unique('tenantboss');

async function open(): Promise<Db> {
  return onPostgres ? openPostgres(env.DATABASE_URL!, { max: 2 }) : openPglite(env.PGLITE_DATA_DIR!);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-bootstrap-'));
  if (onPostgres) {
    const created = await createPostgresDatabase();
    env = { DATABASE_URL: created.url };
    drop = created.drop;
  } else {
    env = { PGLITE_DATA_DIR: path.join(dir, 'pglite') };
  }
  const db = await open();
  await migrate(db);
  const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (name) VALUES ('Tenant Co') RETURNING id`);
  await db.query(`INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, $2, 'CUSTOMER_ADMIN', $3)`, [
    username,
    await hashPassword('tenant password'),
    rows[0]!.id,
  ]);
  await db.close();
}, 60_000);

afterAll(async () => {
  await drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('defect 4: the bootstrap never takes over a tenant user', () => {
  it('start-up with ADMIN_USERNAME of a CUSTOMER_ADMIN exits non-zero, names the conflict and changes nothing', async () => {
    const child = spawn(process.execPath, [nextBin, 'start', '-p', '0', '-H', '127.0.0.1'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        NEXTAUTH_SECRET: 'bootstrap-conflict-test-secret-0123456789',
        ADMIN_USERNAME: username.toUpperCase(),
        ADMIN_PASSWORD: 'attacker chosen password',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 60_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, output).not.toBe(0);
    expect(code, output).not.toBeNull();
    expect(output).toContain(`ADMIN_USERNAME "${username.toUpperCase()}" is the CUSTOMER_ADMIN "${username}"`);
    expect(output).toContain('customer');
    expect(output).toContain('Nothing was changed');

    const db = await open();
    try {
      const { rows } = await db.query<{ role: string; customer_id: number | null; password_hash: string; n: number }>(
        `SELECT role, customer_id, password_hash, (SELECT count(*)::int FROM users WHERE role = 'SUPER_ADMIN') AS n FROM users WHERE username = $1`,
        [username],
      );
      expect(rows[0]).toMatchObject({ role: 'CUSTOMER_ADMIN', n: 0 });
      expect(rows[0]!.customer_id).not.toBeNull();
      expect(await verifyPassword(rows[0]!.password_hash, 'tenant password')).toBe(true);
      expect((await db.query('SELECT 1 FROM audit_events')).rowCount).toBe(0);
    } finally {
      await db.close();
    }
  }, 90_000);
});
