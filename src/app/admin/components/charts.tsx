'use client';

import { useId, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate, formatNumber } from '@/app/_ui/format';
import type { UsageDay } from '@/app/shared/overview';

// Charts drawn by recharts. Each is a picture with a one-sentence summary for screen readers
// (role="img"), and its numbers are one click away as a table ("Show as table").

const shortDay = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const axisDay = (day: string) => shortDay.format(new Date(day));
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const tooltipNumber = (value: unknown) => formatNumber(Number(value));

/** A chart with its table: the table is shown in place of the picture when asked for. */
function ChartFrame({ summary, caption, table, children }: { summary: string; caption: string; table: React.ReactNode; children: React.ReactNode }) {
  const [asTable, setAsTable] = useState(false);
  const id = useId();
  return (
    <figure className="chart">
      <figcaption className="chart-caption">
        <span>{caption}</span>
        <button type="button" className="btn btn-secondary btn-small" aria-expanded={asTable} aria-controls={id} onClick={() => setAsTable((v) => !v)}>
          {asTable ? 'Show as chart' : 'Show as table'}
        </button>
      </figcaption>
      <div id={id}>
        {asTable ? (
          <div className="table-scroll chart-table">{table}</div>
        ) : (
          <div role="img" aria-label={summary} className="chart-canvas">
            {children}
          </div>
        )}
      </div>
    </figure>
  );
}

/** Credits used per UTC day (net of refunds) as bars; the table adds refunds and credits added. */
export function UsageChart({ daily, caption }: { daily: UsageDay[]; caption: string }) {
  const total = daily.reduce((n, d) => n + d.used, 0);
  const peak = daily.reduce((best, d) => (d.used > best.used ? d : best), daily[0] ?? { day: '', used: 0, refunded: 0, added: 0 });
  const first = daily[0]?.day;
  const last = daily.at(-1)?.day;
  if (!first || !last || daily.every((d) => d.used === 0 && d.added === 0 && d.refunded === 0)) {
    return <p className="empty">No credits were used or added in these {daily.length} days.</p>;
  }
  const summary =
    `Credits used per day from ${formatDate(first)} to ${formatDate(last)}: ${formatNumber(total)} in all, ` +
    (peak.used > 0 ? `the most on ${formatDate(peak.day)} (${formatNumber(peak.used)}).` : 'none on any day.');
  return (
    <ChartFrame
      caption={caption}
      summary={summary}
      table={
        <table className="data-table compact">
          <caption className="visually-hidden">{caption}, per day</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col" className="num">Used</th>
              <th scope="col" className="num">Refunded</th>
              <th scope="col" className="num">Added</th>
            </tr>
          </thead>
          <tbody>
            {[...daily].reverse().map((d) => (
              <tr key={d.day}>
                <td className="nowrap">{formatDate(d.day)}</td>
                <td className="num">{formatNumber(d.used)}</td>
                <td className="num">{formatNumber(d.refunded)}</td>
                <td className="num">{formatNumber(d.added)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={daily} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="4 4" vertical={false} stroke="#e1e5ea" />
          <XAxis dataKey="day" tickFormatter={axisDay} minTickGap={24} tick={{ fontSize: 11, fill: '#55606d' }} />
          <YAxis tickFormatter={(v: number) => compact.format(v)} width={44} tick={{ fontSize: 11, fill: '#55606d' }} allowDecimals={false} />
          <Tooltip formatter={tooltipNumber} labelFormatter={(day) => formatDate(String(day))} />
          <Bar dataKey="used" name="Credits used" fill="#1d4fb8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

export interface MonthFigures {
  month: string;
  added: number;
  paid: number;
  used: number;
}

const monthName = (month: string) => new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01`));

/** This month so far against last month: credits added, purchased (paid) and used, side by side. */
export function MonthChart({ thisMonth, lastMonth }: { thisMonth: MonthFigures; lastMonth: MonthFigures }) {
  const rows = [
    { label: 'Added', key: 'added' as const },
    { label: 'Purchased (paid)', key: 'paid' as const },
    { label: 'Used', key: 'used' as const },
  ].map((r) => ({ name: r.label, last: lastMonth[r.key], this: thisMonth[r.key] }));
  const thisName = `${monthName(thisMonth.month)} (so far)`;
  const lastName = monthName(lastMonth.month);
  const summary = `${thisName} against ${lastName}: ${rows.map((r) => `${r.name.toLowerCase()} ${formatNumber(r.this)} against ${formatNumber(r.last)}`).join(', ')}.`;
  return (
    <ChartFrame
      caption="Credits this month against last month"
      summary={summary}
      table={
        <table className="data-table compact">
          <caption className="visually-hidden">Credits this month against last month</caption>
          <thead>
            <tr>
              <th scope="col">Credits</th>
              <th scope="col" className="num">{thisName}</th>
              <th scope="col" className="num">{lastName}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <th scope="row">{r.name}</th>
                <td className="num">{formatNumber(r.this)}</td>
                <td className="num">{formatNumber(r.last)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="4 4" vertical={false} stroke="#e1e5ea" />
          <XAxis dataKey="name" tick={{ fontSize: 11, fill: '#55606d' }} interval={0} />
          <YAxis tickFormatter={(v: number) => compact.format(v)} width={44} tick={{ fontSize: 11, fill: '#55606d' }} allowDecimals={false} />
          <Tooltip formatter={tooltipNumber} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="last" name={lastName} fill="#9aa9c7" isAnimationActive={false} />
          <Bar dataKey="this" name={thisName} fill="#1d4fb8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

/** The days a chart covers, as radio buttons (arrow keys move between them). */
export function RangePicker<T extends number>({ value, options, onChange, label }: { value: T; options: readonly T[]; onChange: (v: T) => void; label: string }) {
  const name = useId();
  return (
    <fieldset className="range-picker">
      <legend className="visually-hidden">{label}</legend>
      {options.map((o) => (
        <label key={o} className={o === value ? 'selected' : undefined}>
          <input type="radio" name={name} value={o} checked={o === value} onChange={() => onChange(o)} />
          {o} days
        </label>
      ))}
    </fieldset>
  );
}
