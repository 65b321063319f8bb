'use client';

import { useEffect, useId, useRef, useState } from 'react';
import type { CustomerDto } from '@/app/lib/customers';
import { useApi, type Page } from './api-client';
import { formatCredits } from './format';

const SUGGESTIONS = 8;

/**
 * The one way to choose a customer: a "Customer ID" field (its value stays the ID, as the API
 * takes it) that searches customers by name or ID as one types, per the WAI-ARIA combobox pattern
 * (Arrow keys move, Enter picks, Escape closes, then clears). Each suggestion shows the contact
 * email and balance, so two customers of the same name can be told apart; the chosen one is named
 * under the field.
 */
export function CustomerCombobox({
  label = 'Customer ID',
  value,
  onChange,
  hint = 'Type a name or an ID, then choose from the list.',
  error,
  id: idProp,
}: {
  label?: string;
  /** The chosen customer's ID as text ('' for none); digits typed by hand count as an ID too. */
  value: string;
  onChange: (customerId: string) => void;
  hint?: string;
  error?: string;
  id?: string;
}) {
  const generated = useId();
  const id = idProp ?? generated;
  const listId = `${id}-list`;
  const [text, setText] = useState(value);
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);

  // The owner may set the value itself (a reset, a default): then the field shows it. A value the
  // field just reported (typing a name reports '') leaves the typed text alone.
  const reported = useRef(value);
  useEffect(() => {
    if (value !== reported.current) setText(value);
    reported.current = value;
  }, [value]);
  function report(next: string) {
    reported.current = next;
    onChange(next);
  }

  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), 200);
    return () => clearTimeout(t);
  }, [text]);

  const params = new URLSearchParams({ search: query, pageSize: String(SUGGESTIONS), sort: 'name', order: 'asc' });
  const options = useApi<Page<CustomerDto>>(open && query ? `/api/admin/customers?${params}` : null);
  const items = open && query ? (options.data?.items ?? []) : [];
  const chosenId = /^[1-9][0-9]{0,9}$/.test(value) ? value : null;
  const chosen = useApi<{ customer: CustomerDto }>(chosenId ? `/api/admin/customers/${chosenId}` : null);

  function pick(c: CustomerDto) {
    setText(String(c.id));
    setOpen(false);
    setActive(-1);
    report(String(c.id));
  }

  function onKeyDown(event: React.KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) setOpen(true);
      if (items.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i + step + items.length) % items.length);
    } else if (event.key === 'Enter' && open && items[active]) {
      event.preventDefault();
      pick(items[active]);
    } else if (event.key === 'Escape') {
      // Inside a dialog the first Escape only closes the list, not the dialog.
      if (open) {
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        setActive(-1);
      } else if (text) {
        event.preventDefault();
        event.stopPropagation();
        setText('');
        report('');
      }
    }
  }

  const expanded = open && items.length > 0;
  const activeId = expanded && active >= 0 ? `${id}-option-${active}` : undefined;
  const describedBy = [`${id}-hint`, `${id}-chosen`, error && `${id}-error`].filter(Boolean).join(' ');
  const c = chosenId && chosen.data?.customer.id === Number(chosenId) ? chosen.data.customer : null;
  return (
    <div className="field combobox">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={activeId}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        value={text}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          setOpen(true);
          setActive(-1);
          report(/^[0-9]+$/.test(next.trim()) ? next.trim() : '');
        }}
        onFocus={() => text && setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Matching customers" className="combobox-list" hidden={!expanded}>
        {items.map((item, i) => (
          <li
            key={item.id}
            id={`${id}-option-${i}`}
            role="option"
            aria-selected={i === active}
            className="combobox-option"
            // mousedown, not click: the input keeps focus (its blur would close the list first).
            onMouseDown={(e) => {
              e.preventDefault();
              pick(item);
            }}
          >
            <span className="strong">{item.name}</span>
            <span className="muted small">
              ID {item.id} · {item.contactEmail ?? 'no contact email'} · {formatCredits(item.creditBalance)}
            </span>
          </li>
        ))}
      </ul>
      <p id={`${id}-hint`} className="hint">
        {hint}
      </p>
      <p id={`${id}-chosen`} className="small" aria-live="polite">
        {c ? (
          <>
            <strong>{c.name}</strong> · {c.contactEmail ?? 'no contact email'} · {formatCredits(c.creditBalance)}
          </>
        ) : chosenId && chosen.error?.status === 404 ? (
          <span className="field-error">No customer with ID {chosenId}</span>
        ) : null}
      </p>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
