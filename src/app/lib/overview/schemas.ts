import 'server-only';
import { z } from 'zod';
import { USAGE_RANGE_DAYS } from '@/app/shared/overview';

const credits = z.number().int();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** One UTC day of usage: `used` is net of what refunds gave back, `added` every grant. */
const usageDay = z.object({ day, used: credits, refunded: credits, added: credits });

const monthTotals = z.object({
  month: z.string().regex(/^\d{4}-\d{2}$/),
  added: credits,
  paid: credits,
  promotional: credits,
  used: credits,
  refunded: credits,
  expired: credits,
});

/** GET /api/admin/overview. */
export const overviewResponse = z.object({
  today: day,
  outstanding: z.object({ total: credits, paid: credits, promotional: credits }),
  thisMonth: monthTotals,
  lastMonth: monthTotals,
  daily: z.array(usageDay),
  topCustomers: z.array(
    z.object({ customerId: z.number().int(), name: z.string(), used: credits, lastMonthUsed: credits, balance: credits }),
  ),
  runningLow: z.object({
    thresholdDays: z.number().int(),
    burnDays: z.number().int(),
    customers: z.array(
      z.object({ customerId: z.number().int(), name: z.string(), balance: credits, perDay: z.number(), daysLeft: z.number() }),
    ),
  }),
  expiring: z.object({
    days: z.number().int(),
    total: credits,
    paid: credits,
    promotional: credits,
    grants: z.number().int(),
    customers: z.number().int(),
    soonest: z.array(
      z.object({
        grantId: z.number().int(),
        customerId: z.number().int(),
        name: z.string(),
        remaining: credits,
        category: z.enum(['paid', 'promotional']),
        expiresAt: z.string(),
      }),
    ),
  }),
});

/** GET /api/admin/customers/{id}/usage?days= */
export const usageQuerySchema = z.strictObject({
  days: z
    .enum(USAGE_RANGE_DAYS.map(String) as [string, ...string[]], { error: `days must be one of ${USAGE_RANGE_DAYS.join(', ')}` })
    .transform(Number)
    .optional(),
});

export const customerUsageResponse = z.object({
  customerId: z.number().int(),
  today: day,
  days: z.number().int(),
  balance: credits,
  burnDays: z.number().int(),
  /** Average net usage per day over the last `burnDays` days. */
  perDay: z.number(),
  /** How many days the balance lasts at `perDay`; null without usage. */
  daysLeft: z.number().nullable(),
  daily: z.array(usageDay),
});
