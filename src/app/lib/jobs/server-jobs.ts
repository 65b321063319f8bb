import 'server-only';
import { autoTopUpJob } from '../billing/jobs';
import { creditExpiryJob } from '../credits/jobs';
import { approvalExpiryJob, bulkGrantJob } from '../grants-ops/jobs';
import type { JobDefinition } from './types';

/** The jobs the server runs, and whose queues `npm run migrate` prepares. */
export const SERVER_JOBS: Array<JobDefinition<never>> = [creditExpiryJob, autoTopUpJob, bulkGrantJob, approvalExpiryJob];
