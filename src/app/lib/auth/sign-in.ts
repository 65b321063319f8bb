import 'server-only';
import crypto from 'node:crypto';
import { recordAudit } from '../audit';
import type { Db } from '../db';
import { findLoginAccount, type ClientInfo } from './caller';
import { issueDeviceCookie, readDeviceCookie } from './device-cookie';
import { consumeAttempt, forgetDevice, refundAttempt, type AttemptKeys } from './login-throttle';
import { dummyPasswordHash, verifyPassword } from './password';
import { createSession } from './session';
import { spendSecondFactor } from './two-factor';
import { normalizeUsername } from './username';

/**
 * One sign-in attempt, in the only order that holds under concurrency: find the account the name
 * reaches, pay for the attempt (atomically, in the shared budgets), and only then check the
 * password and the second factor. A refused attempt checks nothing.
 */
export interface SignInInput {
  username: string;
  password: string;
  /** A current TOTP code or a recovery code, for an enrolled user. */
  totp?: string;
}

export interface SignInContext {
  client: ClientInfo;
  cookieHeader: string | null;
  /** Session key secrets, current first (keys.ts). */
  secrets: string[];
}

export type SignInOutcome =
  | { kind: 'signed_in'; userId: number; username: string; sessionSecret: string; deviceCookie: string }
  | { kind: 'invalid' }
  | { kind: 'totp_required' }
  | { kind: 'totp_invalid' }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

// A name that can't be anyone's still gets a budget (its spelling, hashed to a bounded key).
const nameKey = (raw: string) => crypto.createHash('sha256').update(raw.trim().normalize('NFKC').toLowerCase()).digest('hex').slice(0, 32);

export async function signIn(db: Db, input: SignInInput, ctx: SignInContext): Promise<SignInOutcome> {
  const name = normalizeUsername(input.username);
  const account = name ? await findLoginAccount(db, name) : undefined;
  const device = readDeviceCookie(ctx.cookieHeader, ctx.secrets);
  const keys: AttemptKeys = {
    account: account ? `u${account.id}` : `n${name ?? nameKey(input.username)}`,
    address: ctx.client.address,
    device: account && device?.userId === account.id ? device.nonce : null,
  };
  const target = account ? { type: 'user' as const, id: account.id } : null;
  const customerId = account?.customer_id ?? null;

  const attempt = await consumeAttempt(db, keys);
  if (!attempt.allowed) {
    if (attempt.justBlocked) {
      await recordAudit(db, {
        action: 'auth.sign_in_blocked',
        actor: null,
        customerId,
        target,
        after: { budget: keys.device ? 'device' : 'account or address', retryAfterSeconds: attempt.retryAfterSeconds },
        client: ctx.client,
      });
    }
    return { kind: 'rate_limited', retryAfterSeconds: attempt.retryAfterSeconds };
  }

  const passwordOk = await verifyPassword(account?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!account || !passwordOk || !account.usable) {
    await recordAudit(db, {
      action: 'auth.sign_in_failed',
      actor: null,
      customerId,
      target,
      // The name typed is not kept when it matches no account: people type passwords there.
      after: { reason: !account ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'account_inactive' },
      client: ctx.client,
    });
    return { kind: 'invalid' };
  }

  if (account.two_factor && !input.totp?.trim()) {
    // The password was right: that was no guess. The code's attempt will be paid for.
    await refundAttempt(db, keys);
    return { kind: 'totp_required' };
  }

  const actor = { id: account.id, username: account.username, client: ctx.client };
  const done = await db.transaction(async (tx) => {
    const factor = account.two_factor ? await spendSecondFactor(tx, account.id, input.totp!, ctx.secrets) : null;
    if (account.two_factor && !factor) {
      await recordAudit(tx, { action: 'auth.sign_in_failed', actor: null, customerId, target, after: { reason: 'wrong_second_factor' }, client: ctx.client });
      return null;
    }
    const session = await createSession(tx, account.id, ctx.client);
    await tx.query('UPDATE users SET last_login_at = now() WHERE id = $1', [account.id]);
    await recordAudit(tx, {
      action: 'auth.sign_in',
      actor: { ...actor, sessionId: session.id },
      customerId,
      target: { type: 'session', id: session.id },
      after: { secondFactor: factor, knownDevice: keys.device !== null },
    });
    if (factor === 'recovery_code') {
      const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [account.id]);
      await recordAudit(tx, { action: 'two_factor.recovery_code_used', actor, customerId, target: { type: 'user', id: account.id }, after: { remaining: rows[0]!.n } });
    }
    return session;
  });
  if (!done) return { kind: 'totp_invalid' };

  await refundAttempt(db, keys);
  if (keys.device) await forgetDevice(db, keys.device);
  return {
    kind: 'signed_in',
    userId: account.id,
    username: account.username,
    sessionSecret: done.secret,
    deviceCookie: issueDeviceCookie(account.id, ctx.secrets[0]!).header,
  };
}
