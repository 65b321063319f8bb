import 'server-only';
import { secretsOf } from '../auth/keys';
import { resolveSessionSecret } from '../auth/secret';
import { config } from '../config';
import type { JobDefinition } from '../jobs';
import { deliverDue } from '.';

/**
 * Delivers due webhook deliveries every WEBHOOK_DISPATCH_INTERVAL_SECONDS. The retry schedule is
 * the deliveries' own (next_attempt_at): a failed run of the job itself is only retried by its next tick.
 */
export const webhookDeliveryJob: JobDefinition = {
  name: 'webhooks.deliver',
  get everySeconds() {
    return config.webhooks.dispatchIntervalSeconds;
  },
  retryLimit: 0,
  async run(db) {
    // The secrets are sealed under NEXTAUTH_SECRET (or the one an embedded install generated).
    await deliverDue(db, secretsOf(await resolveSessionSecret(db)));
  },
};
