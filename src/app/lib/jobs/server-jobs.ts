import 'server-only';
import { autoTopUpJob } from '../billing/jobs';
import { creditExpiryJob } from '../credits/jobs';
import { approvalExpiryJob, bulkGrantJob } from '../grants-ops/jobs';
import { alertEmailJob, expiringAlertJob } from '../notifications/jobs';
import { webhookDeliveryJob } from '../webhooks/jobs';
import type { JobDefinition } from './types';

/**
 * The jobs the server runs, and whose queues `npm run migrate` prepares. Webhook deliveries and
 * alert emails wait in the outbox (written with the change that caused them): a restart after a
 * crash picks up whatever was not delivered.
 */
export const SERVER_JOBS: Array<JobDefinition<never>> = [creditExpiryJob, autoTopUpJob, bulkGrantJob, approvalExpiryJob, webhookDeliveryJob, alertEmailJob, expiringAlertJob];
