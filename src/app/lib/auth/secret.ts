import 'server-only';
import crypto from 'node:crypto';
import { config } from '../config';
import type { Queryable } from '../db';

/**
 * The key that signs and encrypts session cookies. Production on PostgreSQL must configure it
 * (NEXTAUTH_SECRET), so every instance agrees on it; an embedded or development install generates
 * one once and keeps it in the database, so sessions survive restarts with zero setup.
 */
export async function resolveSessionSecret(db: Queryable): Promise<string> {
  const configured = config.nextAuthSecret;
  if (configured) return configured;
  if (config.isProduction && config.databaseUrl) {
    throw new Error(
      'NEXTAUTH_SECRET is required when NODE_ENV=production and DATABASE_URL is set. ' +
        'Generate one with: openssl rand -base64 32',
    );
  }
  await db.query(
    `INSERT INTO app_settings (key, value) VALUES ('nextauth_secret', $1) ON CONFLICT (key) DO NOTHING`,
    [crypto.randomBytes(32).toString('base64url')],
  );
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'nextauth_secret'`);
  return rows[0]!.value;
}
