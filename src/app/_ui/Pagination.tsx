'use client';

import { formatNumber } from './format';

export function Pagination({
  page,
  pageSize,
  total,
  onPage,
  label,
  totalIsEstimate = false,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  label: string;
  /** Past 10,000 matches the API estimates the total: say so rather than print it as exact. */
  totalIsEstimate?: boolean;
}) {
  const about = totalIsEstimate ? 'about ' : '';
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav className="pagination" aria-label={`${label} pages`}>
      <p aria-live="polite">
        {total === 0
          ? `No ${label}`
          : `Showing ${formatNumber(first)}–${formatNumber(last)} of ${about}${formatNumber(total)} ${label}`}
      </p>
      <div className="pagination-buttons">
        <button type="button" className="btn btn-secondary btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          Previous
        </button>
        <span>
          Page {formatNumber(page)} of {about}
          {formatNumber(pages)}
        </span>
        <button type="button" className="btn btn-secondary btn-small" disabled={page >= pages && !totalIsEstimate} onClick={() => onPage(page + 1)}>
          Next
        </button>
      </div>
    </nav>
  );
}
