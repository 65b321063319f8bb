import 'server-only';
import type { SearchType } from '@/app/shared/searches';
import type { Queryable } from '../db';
import { Conditions } from '../db/sql';
import type { UsageQuery } from './schemas';

/**
 * Look-up usage of a customer (or, for the platform, of every customer) over a period, grouped by
 * user, type or day (UTC): look-ups started, answered, answered from the cache, and the credits
 * they hold now (answered ones, and pending ones still charged; refunded ones hold none).
 */

export interface UsageRow {
  userId?: number;
  username?: string;
  type?: SearchType;
  /** YYYY-MM-DD (UTC). */
  day?: string;
  lookups: number;
  answered: number;
  cached: number;
  credits: number;
}

export interface Usage {
  customerId: number | null;
  from: string;
  to: string;
  groupBy: UsageQuery['groupBy'];
  items: UsageRow[];
  totals: Omit<UsageRow, 'userId' | 'username' | 'type' | 'day'>;
}

const GROUPS = {
  user: { select: 's.user_id, u.username', join: 'JOIN users u ON u.id = s.user_id', group: 's.user_id, u.username', order: 'u.username' },
  type: { select: 's.search_type', join: '', group: 's.search_type', order: 's.search_type' },
  day: { select: `to_char(date_trunc('day', s.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day`, join: '', group: '1', order: '1' },
} as const;

export async function searchUsage(q: Queryable, customerId: number | undefined, u: UsageQuery): Promise<Usage> {
  const now = new Date();
  const from = u.from ? new Date(u.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = u.to ? new Date(u.to) : now;
  const where = new Conditions().maybe('s.customer_id = ?', customerId).add('s.created_at >= ?', from).add('s.created_at < ?', to);
  const g = GROUPS[u.groupBy];
  const { rows } = await q.query<{
    user_id?: number;
    username?: string;
    search_type?: SearchType;
    day?: string;
    lookups: number;
    answered: number;
    cached: number;
    credits: number;
  }>(
    `SELECT ${g.select},
            count(*)::int AS lookups,
            count(*) FILTER (WHERE s.status = 'success')::int AS answered,
            count(*) FILTER (WHERE s.cached)::int AS cached,
            COALESCE(sum(s.credits_charged) FILTER (WHERE s.status IN ('success', 'pending')), 0)::bigint AS credits
       FROM searches s ${g.join}
      ${where.sql}
      GROUP BY ${g.group} ORDER BY ${g.order}`,
    where.params,
  );
  const items = rows.map((r): UsageRow => {
    const key =
      u.groupBy === 'user' ? { userId: r.user_id!, username: r.username! } : u.groupBy === 'type' ? { type: r.search_type! } : { day: r.day! };
    return { ...key, lookups: r.lookups, answered: r.answered, cached: r.cached, credits: Number(r.credits) };
  });
  const totals = items.reduce(
    (t, r) => ({ lookups: t.lookups + r.lookups, answered: t.answered + r.answered, cached: t.cached + r.cached, credits: t.credits + r.credits }),
    { lookups: 0, answered: 0, cached: 0, credits: 0 },
  );
  return { customerId: customerId ?? null, from: from.toISOString(), to: to.toISOString(), groupBy: u.groupBy, items, totals };
}
