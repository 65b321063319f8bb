import 'server-only';
import { creditExpiryJob } from '../credits/jobs';
import type { JobDefinition } from './types';

/** The jobs the server runs, and whose queues `npm run migrate` prepares. */
export const SERVER_JOBS: Array<JobDefinition<never>> = [creditExpiryJob];
