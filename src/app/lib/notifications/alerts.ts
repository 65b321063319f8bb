import 'server-only';
import { EXPIRING_ALERT_DAYS } from '@/app/shared/webhooks';
import type { Db } from '../db';
import { emitEvent } from '../webhooks/events';

/**
 * credits.expiring, once per grant: every live grant whose expiry is within EXPIRING_ALERT_DAYS
 * and has not had its alert gets one now (credit_expiry_alerts remembers which have, in the
 * same transaction as the event).
 */
export async function queueExpiringAlerts(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; customer_id: number; remaining: number; category: string; expires_at: Date }>(
      `WITH due AS (
         INSERT INTO credit_expiry_alerts (grant_id, customer_id)
         SELECT g.id, g.customer_id FROM credit_grants g
          WHERE g.live AND g.expires_at > now() AND g.expires_at <= now() + make_interval(days => $1)
         ON CONFLICT (grant_id) DO NOTHING
         RETURNING grant_id
       )
       SELECT g.id, g.customer_id, g.remaining, g.category, g.expires_at FROM credit_grants g JOIN due ON due.grant_id = g.id ORDER BY g.id`,
      [EXPIRING_ALERT_DAYS],
    );
    for (const g of rows) {
      await emitEvent(tx, {
        type: 'credits.expiring',
        customerId: g.customer_id,
        data: { customerId: g.customer_id, grantId: g.id, remaining: g.remaining, category: g.category, expiresAt: g.expires_at.toISOString() },
      });
    }
    return rows.length;
  });
}

/**
 * The platform's default low-balance threshold, where the ledger trigger reads it (a customer
 * without `low_balance_threshold` of its own uses it): written from LOW_BALANCE_THRESHOLD at start.
 */
export async function storeDefaultThreshold(db: Db, threshold: number): Promise<void> {
  // Through migration 080's function: the run-time role may not UPDATE app_settings itself.
  await db.query('SELECT store_low_balance_threshold($1)', [String(threshold)]);
}
