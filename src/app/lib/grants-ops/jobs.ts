import 'server-only';
import { wakeJob, type JobDefinition } from '../jobs';
import { expireApprovals } from './approvals';
import { runBulkBatches } from './bulk-run';

/**
 * Books running bulk batches. Woken when a batch is submitted or approved; the periodic run picks
 * up a batch an earlier process left half done (a restart) and one whose wake-up was lost.
 */
export const bulkGrantJob: JobDefinition = {
  name: 'credits.bulk',
  everySeconds: 5,
  async run(db) {
    const n = await runBulkBatches(db);
    if (n > 0) console.log(`[bulk] booked ${n} bulk grant row(s)`);
  },
};

/** Expires approvals left pending for 7 days (their credits back to the daily limit, a batch's rows failed). */
export const approvalExpiryJob: JobDefinition = {
  name: 'credits.approvals-expire',
  everySeconds: 60,
  async run(db) {
    const n = await expireApprovals(db);
    if (n > 0) console.log(`[approvals] expired ${n} approval(s)`);
  },
};

export const wakeBulkJob = () => wakeJob(bulkGrantJob);
