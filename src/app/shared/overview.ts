/**
 * The Overview's windows, stated by the server and shown by the UI: plain values, safe to import
 * on either side.
 */

/** The ranges the usage charts offer (days ending today, UTC). */
export const USAGE_RANGE_DAYS = [30, 90, 365] as const;
export type UsageRange = (typeof USAGE_RANGE_DAYS)[number];

/** The platform chart's ranges: the Overview answers the longest, the chart shows the chosen one. */
export const OVERVIEW_RANGE_DAYS = [30, 90] as const;

/** Days left is the balance over the average net usage per day of this many days (today included). */
export const BURN_DAYS = 14;

/** A customer is running low when its balance lasts fewer days than this at its burn. */
export const RUNNING_LOW_DAYS = 14;

/** How far ahead the Overview looks for expiring credits. */
export const OVERVIEW_EXPIRING_DAYS = 30;

export interface UsageDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Look-ups, net of what refunds gave back. */
  used: number;
  refunded: number;
  /** Every grant: paid and promotional. */
  added: number;
}
