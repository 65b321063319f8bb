'use client';

import type { ApiError, Page } from './api-client';
import { Pagination } from './Pagination';
import { Empty, ErrorAlert, Loading } from './States';

/**
 * A server-paged list's whole frame: its error (with Retry), loading and empty states, the
 * keyboard-scrollable table region and the pager. Each screen supplies only its columns and rows.
 */
export function PagedTable<T>({
  list,
  noun,
  caption,
  head,
  row,
  empty,
  onPage,
  cards = false,
}: {
  list: { data: Page<T> | null; error: ApiError | null; loading: boolean; reload: () => void };
  /** Plural, lower case: "customers" (used in the messages and the pager). */
  noun: string;
  /** The table region's accessible name, e.g. "Customers table". */
  caption: string;
  head: React.ReactNode;
  row: (item: T) => React.ReactNode;
  empty: React.ReactNode;
  onPage: (page: number) => void;
  /** On phones each row becomes a card (cells carry `data-label`), instead of a table to scroll. */
  cards?: boolean;
}) {
  const { data, error, loading, reload } = list;
  return (
    <>
      {error && <ErrorAlert title={`Failed to fetch ${noun}`} error={error} onRetry={reload} />}
      {loading && <Loading label={data ? 'Updating…' : `Loading ${noun}…`} />}
      {data && data.items.length === 0 && <Empty>{empty}</Empty>}
      {data && data.items.length > 0 && (
        <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
          <table className={`data-table${cards ? ' cards' : ''}`} aria-busy={loading}>
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>{data.items.map(row)}</tbody>
          </table>
        </div>
      )}
      {/* An empty first page needs no pager; an empty later page (past the end) needs the way back. */}
      {data && (data.items.length > 0 || data.page > 1) && (
        <Pagination
          page={data.page}
          pageSize={data.pageSize}
          total={data.total}
          totalIsEstimate={data.totalIsEstimate}
          onPage={onPage}
          label={noun}
        />
      )}
    </>
  );
}
