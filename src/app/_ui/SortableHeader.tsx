'use client';

export interface SortState<K extends string> {
  sort: K;
  order: 'asc' | 'desc';
}

/** A column header that sorts the server-side list; aria-sort tells screen readers the current order. */
export function SortableHeader<K extends string>({
  column,
  label,
  state,
  onSort,
  numeric = false,
}: {
  column: K;
  label: string;
  state: SortState<K>;
  onSort: (next: SortState<K>) => void;
  numeric?: boolean;
}) {
  const active = state.sort === column;
  const ariaSort = active ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={ariaSort} className={numeric ? 'num' : undefined}>
      <button
        type="button"
        className="sort-button"
        onClick={() => onSort({ sort: column, order: active && state.order === 'asc' ? 'desc' : active ? 'asc' : numeric ? 'desc' : 'asc' })}
      >
        {label}
        <span aria-hidden="true" className="sort-indicator">
          {active ? (state.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}
