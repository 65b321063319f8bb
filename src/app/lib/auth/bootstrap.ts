import 'server-only';
import crypto from 'node:crypto';
import { recordAudit } from '../audit';
import { config } from '../config';
import type { Db } from '../db';
import { hashPassword, verifyPassword } from './password';
import { endUserSessions } from './session';
import { normalizeUsername } from './username';

const DEFAULT_ADMIN = 'admin';

/**
 * Makes sure someone can sign in. ADMIN_USERNAME/ADMIN_PASSWORD create or update that SUPER_ADMIN
 * at every start; without them, a first start creates `admin` with a random password printed once.
 * A name that belongs to a tenant's user is never taken over: start-up stops, changing nothing.
 */
export async function ensureBootstrapAdmin(db: Db, log: (line: string) => void = console.log): Promise<void> {
  const username = config.adminUsername ?? DEFAULT_ADMIN;
  const password = config.adminPassword;
  const normalized = normalizeUsername(username);
  if (!normalized) throw new Error(`ADMIN_USERNAME "${username}" is not a valid username (3-64 characters: letters, digits, _ . @ -)`);

  if (password === undefined && config.adminUsername === undefined) {
    const { rows } = await db.query(`SELECT 1 FROM users WHERE role = 'SUPER_ADMIN' AND active LIMIT 1`);
    if (rows.length > 0) return;
  }

  const { rows } = await db.query<{ id: number; username: string; password_hash: string; role: string; customer_id: number | null; customer_name: string | null; active: boolean }>(
    `SELECT u.id, u.username, u.password_hash, u.role, u.customer_id, c.name AS customer_name, u.active
       FROM users u LEFT JOIN customers c ON c.id = u.customer_id
      WHERE lower(u.username) = $1`,
    [normalized],
  );
  const existing = rows[0];
  if (existing && (existing.role !== 'SUPER_ADMIN' || existing.customer_id !== null)) {
    throw new Error(
      `ADMIN_USERNAME "${username}" is the ${existing.role} "${existing.username}" (user ${existing.id}) of customer ` +
        `${existing.customer_id} "${existing.customer_name}": refusing to turn a tenant's user into the bootstrap SUPER_ADMIN. ` +
        'Nothing was changed. Set ADMIN_USERNAME to another name.',
    );
  }
  if (existing) {
    const passwordChanges = password !== undefined && !(await verifyPassword(existing.password_hash, password));
    const changes = [...(passwordChanges ? ['password'] : []), ...(existing.active ? [] : ['active'])];
    if (changes.length === 0) return;
    const newHash = passwordChanges ? await hashPassword(password!) : null;
    await db.transaction(async (tx) => {
      await tx.query('UPDATE users SET active = true, password_hash = COALESCE($2, password_hash) WHERE id = $1', [existing.id, newHash]);
      const sessionsEnded = passwordChanges ? await endUserSessions(tx, existing.id, 'password_changed') : 0;
      await recordAudit(tx, {
        action: 'bootstrap.admin_updated',
        actor: null,
        target: { type: 'user', id: existing.id },
        before: { active: existing.active },
        after: { active: true, changes, sessionsEnded },
      });
    });
    return;
  }

  const generated = password === undefined ? crypto.randomBytes(12).toString('base64url') : undefined;
  const hash = await hashPassword(password ?? generated!);
  // Instances starting together race here: only the one whose row was inserted prints its password.
  const inserted = await db.transaction(async (tx) => {
    const { rows: made } = await tx.query<{ id: number }>(
      `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'SUPER_ADMIN') ON CONFLICT DO NOTHING RETURNING id`,
      [username, hash],
    );
    if (made[0]) {
      await recordAudit(tx, {
        action: 'bootstrap.admin_created',
        actor: null,
        target: { type: 'user', id: made[0].id },
        after: { username, role: 'SUPER_ADMIN', credentials: generated ? 'generated, printed once' : 'from ADMIN_PASSWORD' },
      });
    }
    return made.length > 0;
  });
  if (generated && inserted) {
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
