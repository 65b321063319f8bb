import 'server-only';
import { config } from '../config';
import type { JobDefinition } from '../jobs';
import { bookDueExpiries } from './expiry';

/** Books due grant expiries every CREDIT_EXPIRY_INTERVAL_SECONDS (15 s: well within the minute promised). */
export const creditExpiryJob: JobDefinition = {
  name: 'credits.expire',
  get everySeconds() {
    return config.creditExpiryIntervalSeconds;
  },
  async run(db) {
    const n = await bookDueExpiries(db);
    if (n > 0) console.log(`[credits] booked ${n} grant expir${n === 1 ? 'y' : 'ies'}`);
  },
};
