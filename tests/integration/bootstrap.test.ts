import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import { ensureBootstrapAdmin } from '@/app/lib/auth/bootstrap';
import { verifyPassword } from '@/app/lib/auth/password';
import { resolveSessionSecret } from '@/app/lib/auth/secret';
import type { Db } from '@/app/lib/db/types';
import { createTestDb, unique, type TestDatabase } from '../support/db';

// The lib project does not inherit the root testTimeout/hookTimeout (vitest projects need `extends: true`):
// PGlite start-up and child processes need more than vitest's 5 s / 10 s defaults on a busy machine.

/**
 * First start: someone must be able to sign in (the bootstrap SUPER_ADMIN) and sessions need a
 * signing key. Both read the environment at call time, so each test sets exactly what it needs.
 */

const ENV_KEYS = ['ADMIN_USERNAME', 'ADMIN_PASSWORD', 'NEXTAUTH_SECRET', 'NODE_ENV', 'DATABASE_URL'] as const;
const env = process.env as Record<string, string | undefined>;
let saved: Record<string, string | undefined>;

function setEnv(vars: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
}

let t: TestDatabase;
let db: Db;
beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(() => {
  saved = Object.fromEntries(ENV_KEYS.map((k) => [k, env[k]]));
  setEnv({ ADMIN_USERNAME: undefined, ADMIN_PASSWORD: undefined, NEXTAUTH_SECRET: undefined, DATABASE_URL: undefined });
});
afterEach(() => {
  setEnv(saved);
});

async function userRow(username: string) {
  const { rows } = await db.query<{ username: string; password_hash: string; role: string; customer_id: number | null; active: boolean }>(
    'SELECT username, password_hash, role, customer_id, active FROM users WHERE lower(username) = lower($1)',
    [username],
  );
  return rows[0];
}

describe('ensureBootstrapAdmin', () => {
  // Runs first, on a database without any SUPER_ADMIN yet.
  it('without ADMIN_* creates `admin` with a generated password, printed once and never again', async () => {
    const log: string[] = [];
    await ensureBootstrapAdmin(db, (line) => log.push(line));
    expect(log).toHaveLength(1);
    expect(log[0]).toContain('username: admin');
    const password = /password: (\S+)/.exec(log[0]!)?.[1];
    expect(password).toBeDefined();
    expect(password!.length).toBeGreaterThanOrEqual(12);

    const admin = await userRow('admin');
    expect(admin).toMatchObject({ username: 'admin', role: 'SUPER_ADMIN', customer_id: null, active: true });
    expect(admin!.password_hash).not.toContain(password!);
    expect(await verifyPassword(admin!.password_hash, password!)).toBe(true);
    expect(await verifyPassword(admin!.password_hash, 'wrong password')).toBe(false);

    // The next start: nothing printed, the password still works.
    const again: string[] = [];
    await ensureBootstrapAdmin(db, (line) => again.push(line));
    expect(again).toEqual([]);
    expect((await userRow('admin'))!.password_hash).toBe(admin!.password_hash);
  });

  it('ADMIN_USERNAME/ADMIN_PASSWORD create that SUPER_ADMIN, and a later start with a new password updates it', async () => {
    const username = unique('root');
    const log: string[] = [];
    setEnv({ ADMIN_USERNAME: username, ADMIN_PASSWORD: 'first password 1' });
    await ensureBootstrapAdmin(db, (line) => log.push(line));
    const created = await userRow(username);
    expect(created).toMatchObject({ username, role: 'SUPER_ADMIN', customer_id: null, active: true });
    expect(await verifyPassword(created!.password_hash, 'first password 1')).toBe(true);
    expect(log.join('\n')).not.toContain('first password 1');

    // Same password at the next start: left alone (not re-hashed).
    await ensureBootstrapAdmin(db, (line) => log.push(line));
    expect((await userRow(username))!.password_hash).toBe(created!.password_hash);

    setEnv({ ADMIN_PASSWORD: 'second password 2' });
    await ensureBootstrapAdmin(db, (line) => log.push(line));
    const updated = await userRow(username);
    expect(await verifyPassword(updated!.password_hash, 'second password 2')).toBe(true);
    expect(await verifyPassword(updated!.password_hash, 'first password 1')).toBe(false);
    expect(log).toEqual([]);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE lower(username) = lower($1)', [username]);
    expect(rows[0]!.n).toBe(1);
  });

  it('an ADMIN_PASSWORD shorter than 8 characters is refused and creates nobody; 8 is enough', async () => {
    const username = unique('short');
    setEnv({ ADMIN_USERNAME: username, ADMIN_PASSWORD: '1234567' });
    await expect(ensureBootstrapAdmin(db, () => {})).rejects.toThrow('ADMIN_PASSWORD must be at least 8 characters long.');
    expect(await userRow(username)).toBeUndefined();

    setEnv({ ADMIN_PASSWORD: '12345678' });
    await ensureBootstrapAdmin(db, () => {});
    expect(await verifyPassword((await userRow(username))!.password_hash, '12345678')).toBe(true);
  });

  // Two instances racing on a fresh database must not both print a password: only the one whose
  // row was inserted does, and that password works.
  it('two instances starting at once on a fresh database print only a password that works', async () => {
    // Back to "no usable SUPER_ADMIN and no `admin`": retire every super admin from the tests above.
    await db.query(`UPDATE users SET active = false, username = 'retired_' || id WHERE role = 'SUPER_ADMIN'`);
    const log: string[] = [];
    await Promise.all([ensureBootstrapAdmin(db, (line) => log.push(line)), ensureBootstrapAdmin(db, (line) => log.push(line))]);
    const admin = await userRow('admin');
    expect(log.length).toBeGreaterThanOrEqual(1);
    for (const line of log) {
      const printed = /password: (\S+)/.exec(line)![1]!;
      expect(await verifyPassword(admin!.password_hash, printed), `printed password ${printed} works`).toBe(true);
    }
  });
});

describe('resolveSessionSecret', () => {
  it('without NEXTAUTH_SECRET, generates one once and keeps it (stable across calls and starts)', async () => {
    setEnv({ NODE_ENV: 'development' });
    const first = await resolveSessionSecret(db);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43,}$/); // 32 random bytes, base64url
    const again = await Promise.all([resolveSessionSecret(db), resolveSessionSecret(db)]);
    expect(again).toEqual([first, first]);
    const { rows } = await db.query(`SELECT value FROM app_settings WHERE key = 'nextauth_secret'`);
    expect(rows).toEqual([{ value: first }]);

    // An embedded production install (no DATABASE_URL) needs no setup either: same key.
    setEnv({ NODE_ENV: 'production' });
    expect(await resolveSessionSecret(db)).toBe(first);
  });

  it('NEXTAUTH_SECRET, when set, is the key (also in production on PostgreSQL)', async () => {
    setEnv({ NEXTAUTH_SECRET: 'configured-secret-value' });
    expect(await resolveSessionSecret(db)).toBe('configured-secret-value');
    setEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgres://app@127.0.0.1:5432/app' });
    expect(await resolveSessionSecret(db)).toBe('configured-secret-value');
  });

  it('NODE_ENV=production with DATABASE_URL and no NEXTAUTH_SECRET is refused with instructions', async () => {
    setEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgres://app@127.0.0.1:5432/app' });
    await expect(resolveSessionSecret(db)).rejects.toThrow(
      /NEXTAUTH_SECRET is required when NODE_ENV=production and DATABASE_URL is set\. Generate one with: openssl rand -base64 32/,
    );
  });
});

describe('ensureBootstrapAdmin and tenant users (defect 4)', () => {
  it('refuses an ADMIN_USERNAME that names a tenant user, in any letter case, and changes nothing', async () => {
    const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (name) VALUES ($1) RETURNING id`, [unique('Tenant')]);
    const username = unique('boss');
    await db.query(`INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, 'hash-kept', 'CUSTOMER_ADMIN', $2)`, [username, rows[0]!.id]);
    const audit = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')).rows[0]!.n;
    const events = await audit();
    for (const name of [username, username.toUpperCase()]) {
      setEnv({ ADMIN_USERNAME: name, ADMIN_PASSWORD: 'takeover password' });
      await expect(ensureBootstrapAdmin(db, () => {})).rejects.toThrow(
        new RegExp(`ADMIN_USERNAME "${name}" is the CUSTOMER_ADMIN "${username}" \\(user \\d+\\) of customer ${rows[0]!.id} .*Nothing was changed`),
      );
    }
    expect(await userRow(username)).toMatchObject({ role: 'CUSTOMER_ADMIN', customer_id: rows[0]!.id, password_hash: 'hash-kept', active: true });
    expect(await audit()).toBe(events);
  });

  it('creating and updating the bootstrap admin is in the audit log (no password in it)', async () => {
    const username = unique('audited_root');
    setEnv({ ADMIN_USERNAME: username, ADMIN_PASSWORD: 'first audited pw' });
    await ensureBootstrapAdmin(db, () => {});
    setEnv({ ADMIN_PASSWORD: 'second audited pw' });
    await ensureBootstrapAdmin(db, () => {});
    const { rows } = await db.query<{ action: string; after: unknown }>(
      `SELECT a.action, a.after FROM audit_events a JOIN users u ON u.id = a.target_id WHERE a.target_type = 'user' AND u.username = $1 ORDER BY a.id`,
      [username],
    );
    expect(rows.map((r) => r.action)).toEqual(['bootstrap.admin_created', 'bootstrap.admin_updated']);
    expect(JSON.stringify(rows)).not.toMatch(/audited pw/);
    expect(rows[1]!.after).toMatchObject({ changes: ['password'] });
  });
});
