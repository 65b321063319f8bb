/**
 * The events a webhook can subscribe to, with the words the Webhooks screen shows: plain values,
 * safe to import on either side.
 */
export const WEBHOOK_EVENT_LABELS = {
  'credit_transaction.created': 'A ledger row was written (any credit change)',
  'credits.low': 'Balance fell below the low-balance threshold',
  'credits.depleted': 'Balance reached 0',
  'credits.expiring': 'A grant expires within 7 days',
  'purchase.completed': 'A credit purchase was paid',
  'purchase.refunded': 'A credit purchase was refunded',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_LABELS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_LABELS) as WebhookEventType[];

/** What POST /api/admin/webhooks/{id}/test sends (to that endpoint only). */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** Alerts that also reach the in-app bell and email; `webhook.disabled` tells an endpoint's owners. */
export const ALERT_TYPES = ['credits.low', 'credits.depleted', 'credits.expiring', 'webhook.disabled'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** How far ahead of a grant's expiry credits.expiring fires. */
export const EXPIRING_ALERT_DAYS = 7;
