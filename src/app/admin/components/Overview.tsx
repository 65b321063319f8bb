'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useApi } from '@/app/_ui/api-client';
import { formatNumber } from '@/app/_ui/format';
import { ErrorAlert, Loading } from '@/app/_ui/States';
import { Time } from '@/app/_ui/Time';
import type { Overview as OverviewData } from '@/app/lib/overview';
import { OVERVIEW_RANGE_DAYS } from '@/app/shared/overview';
import { MonthChart, RangePicker, UsageChart } from './charts';

export const formatDays = (n: number) => (n < 1 ? 'under a day' : `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(n)} days`);
const perDay = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** The platform at a glance (SUPER_ADMIN): what is owed, this month against last, usage, who uses most and who runs out. */
export function Overview() {
  const { data, error, reload } = useApi<OverviewData>('/api/admin/overview');
  const [range, setRange] = useState<(typeof OVERVIEW_RANGE_DAYS)[number]>(30);
  if (error) return <ErrorAlert title="Failed to load the overview" error={error} onRetry={reload} />;
  if (!data) return <Loading label="Loading the overview…" />;
  const { outstanding, expiring, runningLow } = data;

  return (
    <div className="stack">
      <p className="muted small">
        Days are UTC days; today is {data.today}. Used credits are net of what refunds gave back.
      </p>
      <div className="overview-grid">
        <section aria-labelledby="outstanding-heading" className="card stack">
          <h2 id="outstanding-heading">Outstanding credits</h2>
          <dl className="stats">
            <div>
              <dt>Total unspent</dt>
              <dd data-testid="outstanding-total">{formatNumber(outstanding.total)}</dd>
            </div>
            <div>
              <dt>Paid</dt>
              <dd data-testid="outstanding-paid">{formatNumber(outstanding.paid)}</dd>
            </div>
            <div>
              <dt>Promotional</dt>
              <dd data-testid="outstanding-promotional">{formatNumber(outstanding.promotional)}</dd>
            </div>
          </dl>
        </section>
        <section aria-labelledby="expiring-heading" className="card stack">
          <h2 id="expiring-heading">Expiring in the next {expiring.days} days</h2>
          <dl className="stats">
            <div>
              <dt>Credits</dt>
              <dd data-testid="expiring-total">{formatNumber(expiring.total)}</dd>
            </div>
            <div>
              <dt>Paid</dt>
              <dd>{formatNumber(expiring.paid)}</dd>
            </div>
            <div>
              <dt>Promotional</dt>
              <dd>{formatNumber(expiring.promotional)}</dd>
            </div>
          </dl>
          {expiring.total === 0 ? (
            <p className="muted">No unspent credits expire in the next {expiring.days} days.</p>
          ) : (
            <>
              <p className="muted small">
                In {formatNumber(expiring.grants)} grant{expiring.grants === 1 ? '' : 's'} of {formatNumber(expiring.customers)} customer
                {expiring.customers === 1 ? '' : 's'}. Soonest:
              </p>
              <ul className="plain-list">
                {expiring.soonest.map((g) => (
                  <li key={g.grantId}>
                    <Link href={`/admin/customers/${g.customerId}`}>{g.name}</Link>: {formatNumber(g.remaining)} {g.category} on{' '}
                    <Time iso={g.expiresAt} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>

      <section aria-labelledby="month-heading" className="card stack">
        <h2 id="month-heading">This month against last month</h2>
        <MonthChart thisMonth={data.thisMonth} lastMonth={data.lastMonth} />
      </section>

      <section aria-labelledby="daily-heading" className="card stack">
        <div className="toolbar">
          <h2 id="daily-heading">Daily usage</h2>
          <RangePicker label="Days shown" value={range} options={OVERVIEW_RANGE_DAYS} onChange={setRange} />
        </div>
        <UsageChart daily={data.daily.slice(-range)} caption={`Credits used per day, last ${range} days`} />
      </section>

      <div className="overview-grid">
        <section aria-labelledby="top-heading" className="card stack">
          <h2 id="top-heading">Top customers this month</h2>
          {data.topCustomers.length === 0 ? (
            <p className="empty">No customer has used credits this month yet.</p>
          ) : (
            <table className="data-table compact wrap-head">
              <caption className="visually-hidden">Customers who used the most credits this month</caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col" className="num">This month</th>
                  <th scope="col" className="num">Last month</th>
                  <th scope="col" className="num">Balance</th>
                </tr>
              </thead>
              <tbody>
                {data.topCustomers.map((c) => (
                  <tr key={c.customerId}>
                    <td>
                      <Link href={`/admin/customers/${c.customerId}`}>{c.name}</Link>
                    </td>
                    <td className="num">{formatNumber(c.used)}</td>
                    <td className="num">{formatNumber(c.lastMonthUsed)}</td>
                    <td className="num">{formatNumber(c.balance)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-labelledby="low-heading" className="card stack">
          <h2 id="low-heading">Running low</h2>
          <p className="muted small">
            Credit left for fewer than {runningLow.thresholdDays} days at the customer&apos;s average use of the last {runningLow.burnDays} days.
          </p>
          {runningLow.customers.length === 0 ? (
            <p className="empty">No customer is running low.</p>
          ) : (
            <table className="data-table compact wrap-head">
              <caption className="visually-hidden">Customers running low on credits, soonest out first</caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col" className="num">Balance</th>
                  <th scope="col" className="num">Per day</th>
                  <th scope="col" className="num">Lasts</th>
                </tr>
              </thead>
              <tbody>
                {runningLow.customers.map((c) => (
                  <tr key={c.customerId}>
                    <td>
                      <Link href={`/admin/customers/${c.customerId}`}>{c.name}</Link>
                    </td>
                    <td className="num">{formatNumber(c.balance)}</td>
                    <td className="num">{perDay.format(c.perDay)}</td>
                    <td className="num nowrap">{c.balance === 0 ? 'Out of credits' : formatDays(c.daysLeft)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
