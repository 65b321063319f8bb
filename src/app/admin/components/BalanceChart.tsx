import { formatDate, formatNumber } from '@/app/_ui/format';

/** Daily closing balance as a step line; the same numbers are available as a table for screen readers. */
export function BalanceChart({ history }: { history: Array<{ day: string; balance: number }> }) {
  if (history.length === 0) return <p className="empty">No credit activity in the last 90 days.</p>;
  const W = 640;
  const H = 200;
  const pad = { l: 56, r: 12, t: 12, b: 28 };
  const max = Math.max(1, ...history.map((p) => p.balance));
  const t0 = Date.parse(history[0]!.day);
  const t1 = Math.max(t0 + 86_400_000, Date.parse(history[history.length - 1]!.day));
  const x = (day: string) => pad.l + ((Date.parse(day) - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / max) * (H - pad.t - pad.b);
  let d = `M ${x(history[0]!.day)} ${y(history[0]!.balance)}`;
  for (const p of history.slice(1)) d += ` H ${x(p.day)} V ${y(p.balance)}`;
  d += ` H ${W - pad.r}`; // the last closing balance holds to the end of the axis
  const last = history[history.length - 1]!;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Balance over time: from ${formatNumber(history[0]!.balance)} on ${formatDate(history[0]!.day)} to ${formatNumber(last.balance)} on ${formatDate(last.day)}, peak ${formatNumber(max)}.`}
      >
        <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} className="chart-axis" />
        <line x1={pad.l} x2={W - pad.r} y1={y(max)} y2={y(max)} className="chart-grid" />
        <text x={pad.l - 6} y={y(max) + 4} textAnchor="end" className="chart-label">
          {formatNumber(max)}
        </text>
        <text x={pad.l - 6} y={y(0) + 4} textAnchor="end" className="chart-label">
          0
        </text>
        <text x={pad.l} y={H - 8} className="chart-label">
          {formatDate(history[0]!.day)}
        </text>
        <text x={W - pad.r} y={H - 8} textAnchor="end" className="chart-label">
          {formatDate(last.day)}
        </text>
        <path d={d} className="chart-line" />
        {history.map((p) => (
          <circle key={p.day} cx={x(p.day)} cy={y(p.balance)} r={3} className="chart-point" />
        ))}
      </svg>
      <details>
        <summary>Show balance data</summary>
        <table className="data-table compact">
          <caption className="visually-hidden">Closing balance per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" className="num">
                Balance
              </th>
            </tr>
          </thead>
          <tbody>
            {history.map((p) => (
              <tr key={p.day}>
                <td>{formatDate(p.day)}</td>
                <td className="num">{formatNumber(p.balance)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
