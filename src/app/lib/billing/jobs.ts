import 'server-only';
import { config } from '../config';
import type { JobDefinition } from '../jobs';
import { runAutoTopUps } from './auto-top-up';
import { buyingEnabled } from './stripe';

/** Charges due auto top-ups every AUTO_TOP_UP_INTERVAL_SECONDS (one run at a time across instances). */
export const autoTopUpJob: JobDefinition = {
  name: 'billing.auto-top-up',
  get everySeconds() {
    return config.autoTopUp.intervalSeconds;
  },
  async run(db) {
    if (!buyingEnabled()) return;
    const n = await runAutoTopUps(db);
    if (n > 0) console.log(`[billing] charged ${n} auto top-up(s)`);
  },
};
