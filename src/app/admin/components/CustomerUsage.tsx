'use client';

import { useState } from 'react';
import { useApi } from '@/app/_ui/api-client';
import { formatDate, formatNumber } from '@/app/_ui/format';
import { ErrorAlert, Loading } from '@/app/_ui/States';
import type { CustomerUsage as Usage } from '@/app/lib/overview';
import { USAGE_RANGE_DAYS, type UsageRange } from '@/app/shared/overview';
import { RangePicker, UsageChart } from './charts';
import { formatDays } from './Overview';

const perDay = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** When the balance runs out at the customer's recent pace, in words. */
function DaysLeft({ usage }: { usage: Usage }) {
  if (usage.daysLeft === null) {
    return <p data-testid="days-left">No credits used in the last {usage.burnDays} days, so no estimate of how long the balance lasts.</p>;
  }
  const until = new Date(Date.parse(`${usage.today}T00:00:00Z`) + Math.floor(usage.daysLeft) * 86_400_000).toISOString();
  return (
    <p data-testid="days-left">
      At {perDay.format(usage.perDay)} credits a day (the average of the last {usage.burnDays} days), the balance of {formatNumber(usage.balance)}{' '}
      {usage.balance === 0 ? (
        <strong>is used up</strong>
      ) : (
        <>
          lasts <strong>{formatDays(usage.daysLeft)}</strong> (until about {formatDate(until)})
        </>
      )}
      .
    </p>
  );
}

/** A customer's usage per day over a chosen range, and how long its balance lasts. */
export function CustomerUsage({ customerId }: { customerId: number }) {
  const [days, setDays] = useState<UsageRange>(30);
  const usage = useApi<Usage>(`/api/admin/customers/${customerId}/usage?days=${days}`);
  return (
    <section aria-labelledby="usage-heading" className="card stack">
      <div className="toolbar">
        <h2 id="usage-heading">Usage per day</h2>
        <RangePicker label="Days shown" value={days} options={USAGE_RANGE_DAYS} onChange={setDays} />
      </div>
      {usage.error && <ErrorAlert title="Failed to load the usage" error={usage.error} onRetry={usage.reload} />}
      {usage.data && !usage.loading ? (
        <>
          <DaysLeft usage={usage.data} />
          <UsageChart daily={usage.data.daily} caption={`Credits used per day, last ${usage.data.days} days`} />
        </>
      ) : (
        !usage.error && <Loading label="Loading usage…" />
      )}
    </section>
  );
}
