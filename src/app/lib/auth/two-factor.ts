import 'server-only';
import crypto from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { recordAudit } from '../audit';
import { config } from '../config';
import type { Db, Queryable } from '../db';
import { AppError, badRequest, conflict } from '../errors';
import type { Caller } from './caller';
import { resealed, seal, unseal } from './keys';
import { consumeAttempt, rateLimited } from './login-throttle';

/**
 * Two-factor sign-in with TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1, as every authenticator
 * app expects), through otplib. Set-up stores a pending secret; enabling proves the authenticator
 * has it and hands out 10 single-use recovery codes, kept only as hashes. A code is accepted once:
 * the step it belongs to is recorded atomically, and no code of that step or an older one passes
 * again.
 */
const ISSUER = 'roblox-tool';
const RECOVERY_CODES = 10;
// Crockford's base32: no I, L, O, U, so a code read aloud or off paper is typed back right.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

type TwoFactorUser = Pick<Caller, 'id' | 'username' | 'role' | 'customerId' | 'client' | 'sessionId'>;

export const requires2fa = (role: Caller['role']) => config.require2faRoles.includes(role);

/**
 * Whether a caller still has to enrol before anything else (REQUIRE_2FA_ROLES). An API key never
 * does: it has no second factor to give, and only a caller past this check could make one.
 */
export const mustEnrol = (caller: Pick<Caller, 'role' | 'twoFactor'> & { apiKey?: Caller['apiKey'] }) =>
  !caller.apiKey && requires2fa(caller.role) && !caller.twoFactor;

/** The API's answer to a caller who must enrol first: everything but the enrolment itself is 403. */
export function assertEnrolled(caller: Pick<Caller, 'role' | 'twoFactor' | 'apiKey'>, openBeforeEnrolment: boolean): void {
  if (mustEnrol(caller) && !openBeforeEnrolment) {
    throw new AppError(
      'two_factor_required',
      'Two-factor authentication required',
      'Your role signs in with a second factor: set it up at /account/security (POST /api/me/2fa/setup, then POST /api/me/2fa/enable)',
    );
  }
}

/** `xxxx-xxxx-xxxx-xxxx`: 16 characters of 5 bits, 80 bits in all (a SHA-256 of it can't be searched). */
function newRecoveryCode(): string {
  const bytes = crypto.randomBytes(16);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

function normalizeRecoveryCode(code: string): string | null {
  const c = code
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  return /^[0-9a-hjkmnp-tv-z]{16}$/.test(c) ? c : null;
}

const hashCode = (normalized: string) => crypto.createHash('sha256').update(normalized).digest();

interface TwoFactorRow {
  secret: string | null;
  pending_secret: string | null;
  enabled_at: Date | null;
  last_time_step: number | null;
}

async function stateOf(q: Queryable, userId: number, lock = false): Promise<TwoFactorRow | undefined> {
  const { rows } = await q.query<TwoFactorRow>(
    `SELECT secret, pending_secret, enabled_at, last_time_step FROM user_two_factor WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  return rows[0];
}

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
  required: boolean;
}

export async function twoFactorStatus(db: Queryable, user: Pick<Caller, 'id' | 'role'>): Promise<TwoFactorStatus> {
  const [state, codes] = await Promise.all([
    stateOf(db, user.id),
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [user.id]),
  ]);
  return {
    enabled: !!state?.enabled_at,
    enabledAt: state?.enabled_at?.toISOString() ?? null,
    recoveryCodesLeft: state?.enabled_at ? codes.rows[0]!.n : 0,
    required: requires2fa(user.role),
  };
}

const alreadyOn = () => conflict('Two-factor authentication is already on', 'Turn it off first (POST /api/me/2fa/disable) to set up another authenticator');
const invalidCode = () => badRequest('Invalid code', { code: 'The code is wrong or was already used: enter the current 6-digit code from your authenticator app' });

/** Starts enrolment: a new secret, shown once as text and as an otpauth:// URL (the QR code). */
export async function setupTwoFactor(db: Db, user: TwoFactorUser, secrets: string[]): Promise<{ secret: string; otpauthUrl: string }> {
  const secret = generateSecret();
  await db.transaction(async (tx) => {
    const state = await stateOf(tx, user.id, true);
    if (state?.enabled_at) throw alreadyOn();
    await tx.query(
      `INSERT INTO user_two_factor (user_id, pending_secret) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET pending_secret = EXCLUDED.pending_secret`,
      [user.id, seal(secret, secrets[0]!, 'totp-secret')],
    );
  });
  return { secret, otpauthUrl: generateURI({ issuer: ISSUER, label: user.username, secret }) };
}

/** The time step a current code belongs to, or null. `after`: steps at or before it are spent. */
async function totpStep(secret: string, code: string, after: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  // One step either side of now: clocks of phones drift, and a code typed at :29 arrives at :31.
  const result = await verify({ secret, token: code, epochTolerance: 30, ...(after !== null ? { afterTimeStep: after } : {}) });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/** Finishes enrolment: the code proves the authenticator has the pending secret. */
export async function enableTwoFactor(db: Db, user: TwoFactorUser, secrets: string[], code: string): Promise<{ recoveryCodes: string[] }> {
  return db.transaction(async (tx) => {
    const state = await stateOf(tx, user.id, true);
    if (state?.enabled_at) throw alreadyOn();
    if (!state?.pending_secret) throw conflict('No two-factor set-up in progress', 'Start with POST /api/me/2fa/setup');
    const pending = state.pending_secret;
    const step = await totpStep(unseal(pending, secrets, 'totp-secret').plaintext, code.trim(), null);
    if (step === null) throw invalidCode();
    await tx.query(
      `UPDATE user_two_factor SET secret = $2, pending_secret = NULL, enabled_at = now(), last_time_step = $3 WHERE user_id = $1`,
      [user.id, pending, step],
    );
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await tx.query('DELETE FROM user_recovery_codes WHERE user_id = $1', [user.id]);
    await tx.query(
      `INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ${recoveryCodes.map((_, i) => `($1, $${i + 2})`).join(', ')}`,
      [user.id, ...recoveryCodes.map((c) => hashCode(normalizeRecoveryCode(c)!))],
    );
    await recordAudit(tx, {
      action: 'two_factor.enabled',
      actor: user,
      customerId: user.customerId,
      target: { type: 'user', id: user.id },
      after: { issued: RECOVERY_CODES },
    });
    return { recoveryCodes };
  });
}

export type SecondFactor = 'totp' | 'recovery_code';

/**
 * Checks a second factor of an enrolled user and spends it: a TOTP code's step, or one recovery
 * code. Both are single statements guarded on what they spend, so two requests with one code
 * can't both pass.
 */
export async function spendSecondFactor(q: Queryable, userId: number, code: string, secrets: string[]): Promise<SecondFactor | null> {
  const state = await stateOf(q, userId);
  if (!state?.secret) return null;
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const step = await totpStep(unseal(state.secret, secrets, 'totp-secret').plaintext, trimmed, state.last_time_step);
    if (step === null) return null;
    const { rowCount } = await q.query(
      `UPDATE user_two_factor SET last_time_step = $2
        WHERE user_id = $1 AND enabled_at IS NOT NULL AND (last_time_step IS NULL OR last_time_step < $2)`,
      [userId, step],
    );
    return rowCount === 1 ? 'totp' : null;
  }
  const normalized = normalizeRecoveryCode(trimmed);
  if (!normalized) return null;
  const { rowCount } = await q.query(
    'UPDATE user_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL',
    [userId, hashCode(normalized)],
  );
  return rowCount === 1 ? 'recovery_code' : null;
}

/**
 * Turns two-factor sign-in off, proven by a current code or a recovery code. The caller pays a
 * sign-in attempt for it first (the route's guard), so a stolen session can't guess codes freely.
 */
export async function disableTwoFactor(db: Db, user: TwoFactorUser, secrets: string[], code: string): Promise<{ enabled: false }> {
  if (requires2fa(user.role)) {
    throw new AppError('conflict', 'Two-factor authentication is required for your role', 'It cannot be turned off; set up a new authenticator instead by asking an administrator');
  }
  const attempt = await consumeAttempt(db, { account: `u${user.id}`, address: user.client.address, device: null });
  if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
  return db.transaction(async (tx) => {
    const state = await stateOf(tx, user.id, true);
    if (!state?.enabled_at) throw conflict('Two-factor authentication is off', 'There is nothing to turn off');
    if (!(await spendSecondFactor(tx, user.id, code, secrets))) throw invalidCode();
    await tx.query('DELETE FROM user_recovery_codes WHERE user_id = $1', [user.id]);
    await tx.query('DELETE FROM user_two_factor WHERE user_id = $1', [user.id]);
    await recordAudit(tx, { action: 'two_factor.disabled', actor: user, customerId: user.customerId, target: { type: 'user', id: user.id } });
    return { enabled: false as const };
  });
}

/** Re-encrypts stored secrets made under a previous NEXTAUTH_SECRET (start-up, during a rotation). */
export async function resealTwoFactorSecrets(db: Db, secrets: string[]): Promise<number> {
  if (secrets.length < 2) return 0;
  const { rows } = await db.query<{ user_id: number; secret: string | null; pending_secret: string | null }>(
    'SELECT user_id, secret, pending_secret FROM user_two_factor',
  );
  let changed = 0;
  for (const r of rows) {
    const fresh = (box: string | null) => box && resealed(box, secrets, 'totp-secret');
    const [secret, pending] = [fresh(r.secret), fresh(r.pending_secret)];
    if (secret === r.secret && pending === r.pending_secret) continue;
    // Guarded on the old values: a concurrent enable or disable wins over the re-encryption.
    await db.query(
      'UPDATE user_two_factor SET secret = $2, pending_secret = $3 WHERE user_id = $1 AND secret IS NOT DISTINCT FROM $4 AND pending_secret IS NOT DISTINCT FROM $5',
      [r.user_id, secret, pending, r.secret, r.pending_secret],
    );
    changed++;
  }
  return changed;
}
