import 'server-only';
import { config } from '../config';
import type { JobDefinition } from '../jobs';
import { queueExpiringAlerts } from './alerts';
import { sendDueEmails } from './email';

/** Sends pending alert emails, as often as webhooks are delivered. */
export const alertEmailJob: JobDefinition = {
  name: 'notifications.email',
  get everySeconds() {
    return config.webhooks.dispatchIntervalSeconds;
  },
  retryLimit: 0,
  async run(db) {
    await sendDueEmails(db);
  },
};

/** Raises credits.expiring for grants entering their last week, once a minute. */
export const expiringAlertJob: JobDefinition = {
  name: 'credits.expiring',
  everySeconds: 60,
  async run(db) {
    await queueExpiringAlerts(db);
  },
};
