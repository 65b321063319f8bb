import 'server-only';
import type { Actor, Caller } from '../auth/caller';
import { config } from '../config';
import type { Queryable } from '../db';
import { AppError, forbidden } from '../errors';

/**
 * What the operator's grant controls say about one request: book it now, or wait for an approval.
 * All unset (the default) every grant books, as the guide describes.
 */
export function needsApproval(caller: Pick<Caller, 'role'>, amount: number): boolean {
  const { approvalThreshold, selfGrants } = config.grantControls;
  if (caller.role === 'CUSTOMER_ADMIN') {
    if (selfGrants === 'off') {
      throw forbidden('Forbidden', 'Customer admins cannot add credits on this installation (CUSTOMER_ADMIN_SELF_GRANTS=off): ask a SUPER_ADMIN');
    }
    if (selfGrants === 'approval') return true;
  }
  return approvalThreshold !== undefined && amount > approvalThreshold;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Counts `amount` against the admin's ADMIN_DAILY_GRANT_LIMIT for today (UTC), in the caller's
 * transaction; past the limit a 409 saying what is left. The check is the conditional upsert
 * itself, so concurrent grants of one admin can't overshoot together. Returns the day counted
 * (for a give-back if the grant never books), or null when no limit is set.
 */
export async function countDailyGrant(tx: Queryable, admin: Actor, amount: number): Promise<string | null> {
  const limit = config.grantControls.dailyLimit;
  if (limit === undefined) return null;
  if (amount <= limit) {
    const { rows } = await tx.query<{ day: string }>(
      `INSERT INTO admin_daily_grants (user_id, day, credits) VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2)
       ON CONFLICT (user_id, day) DO UPDATE SET credits = admin_daily_grants.credits + EXCLUDED.credits
        WHERE admin_daily_grants.credits + EXCLUDED.credits <= $3
       RETURNING day::text`,
      [admin.id, amount, limit],
    );
    if (rows[0]) return rows[0].day;
  }
  const { rows } = await tx.query<{ credits: number }>(
    `SELECT credits FROM admin_daily_grants WHERE user_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date`,
    [admin.id],
  );
  const used = Number(rows[0]?.credits ?? 0);
  throw new AppError(
    'daily_limit_reached',
    'Daily grant limit reached',
    `Each admin may grant at most ${fmt(limit)} credits per UTC day (ADMIN_DAILY_GRANT_LIMIT). You have granted or requested ${fmt(used)} today, so ${fmt(Math.max(0, limit - used))} more are possible until midnight UTC; this request is for ${fmt(amount)}.`,
  );
}

/** Gives back credits counted for a grant that will never book (rejected, expired, a failed bulk row). */
export async function releaseDailyGrant(tx: Queryable, userId: number, day: string | null, amount: number): Promise<void> {
  if (day === null || amount <= 0) return;
  await tx.query('UPDATE admin_daily_grants SET credits = GREATEST(credits - $3, 0) WHERE user_id = $1 AND day = $2', [userId, day, amount]);
}
