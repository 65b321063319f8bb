import 'server-only';
import type { Queryable } from '../db';
import type { AlertType, WebhookEventType } from '@/app/shared/webhooks';

export interface EmittedEvent {
  type: WebhookEventType | AlertType;
  /** The customer the event is about (its endpoints and admins are told); null: the platform. */
  customerId: number | null;
  data: Record<string, unknown>;
}

/**
 * Writes an event to the outbox inside the caller's transaction: its deliveries to every enabled
 * endpoint subscribed to the type (platform ones and the customer's), and, for an alert, the
 * admins' notifications and an email. It is sent only if that transaction commits. Returns the
 * event id, or null when nobody listens (nothing is written then).
 *
 * The ledger emits its own events from a trigger; other domains call this, e.g. the payments code
 * with `purchase.completed` / `purchase.refunded` in the transaction that books the purchase.
 */
export async function emitEvent(tx: Queryable, event: EmittedEvent): Promise<number | null> {
  const { rows } = await tx.query<{ id: number | null }>(`SELECT emit_event($1, $2, $3::jsonb) AS id`, [
    event.type,
    event.customerId,
    JSON.stringify(event.data),
  ]);
  return rows[0]?.id ?? null;
}
