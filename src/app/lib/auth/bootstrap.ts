import 'server-only';
import crypto from 'node:crypto';
import { config } from '../config';
import type { Db } from '../db';
import { hashPassword, verifyPassword } from './password';

const DEFAULT_ADMIN = 'admin';

/**
 * Makes sure someone can sign in. ADMIN_USERNAME/ADMIN_PASSWORD create or update that SUPER_ADMIN
 * at every start; without them, a first start creates `admin` with a random password printed once.
 */
export async function ensureBootstrapAdmin(db: Db, log: (line: string) => void = console.log): Promise<void> {
  const username = config.adminUsername ?? DEFAULT_ADMIN;
  const password = config.adminPassword;

  if (password === undefined && config.adminUsername === undefined) {
    const { rows } = await db.query(`SELECT 1 FROM users WHERE role = 'SUPER_ADMIN' AND active LIMIT 1`);
    if (rows.length > 0) return;
  }

  const { rows } = await db.query<{ id: number; password_hash: string }>(
    'SELECT id, password_hash FROM users WHERE lower(username) = lower($1)',
    [username],
  );
  const existing = rows[0];
  if (existing) {
    const keepHash = password === undefined || (await verifyPassword(existing.password_hash, password));
    await db.query(
      `UPDATE users SET role = 'SUPER_ADMIN', customer_id = NULL, active = true,
              password_hash = COALESCE($2, password_hash)
        WHERE id = $1`,
      [existing.id, keepHash ? null : await hashPassword(password!)],
    );
    return;
  }

  const generated = password === undefined ? crypto.randomBytes(12).toString('base64url') : undefined;
  // Instances starting together race here: only the one whose row was inserted prints its password.
  const inserted = await db.query(
    `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'SUPER_ADMIN') ON CONFLICT DO NOTHING RETURNING id`,
    [username, await hashPassword(password ?? generated!)],
  );
  if (generated && inserted.rowCount > 0) {
    log(
      [
        '',
        '================================================================',
        ' roblox-tool: created the bootstrap super admin (shown only once)',
        `   username: ${username}`,
        `   password: ${generated}`,
        ' Set ADMIN_USERNAME and ADMIN_PASSWORD to choose your own.',
        '================================================================',
        '',
      ].join('\n'),
    );
  }
}
