'use client';

import { CustomerCombobox } from '@/app/_ui/CustomerCombobox';
import { Time } from '@/app/_ui/Time';
import type { AuditEventDto } from '@/app/lib/audit';
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS } from '@/app/shared/audit';
import { useListFilters } from '@/app/_ui/list-filters';
import { useApi, type Page } from '@/app/_ui/api-client';
import { useAccess } from '@/app/_ui/access';
import { describeUserAgent } from '@/app/_ui/format';
import { PagedTable } from '@/app/_ui/PagedTable';

interface Filters {
  action: string;
  actorId: string;
  customerId: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { action: '', actorId: '', customerId: '', from: '', to: '' };
const digits = (s: string) => (/^[0-9]+$/.test(s.trim()) ? s.trim() : '');

function toQuery(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.action) q.set('action', f.action);
  if (digits(f.actorId)) q.set('actorId', digits(f.actorId));
  if (digits(f.customerId)) q.set('customerId', digits(f.customerId));
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  return q;
}

/** `before` → `after`, field by field, in words an operator reads at a glance. */
function Change({ before, after }: { before: unknown; after: unknown }) {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  if (keys.length === 0) return <span className="muted">—</span>;
  const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <dl className="change">
      {keys.map((k) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{k in b ? `${show(b[k])} → ${show(a[k])}` : show(a[k])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The Audit log tab: every security-relevant and admin action, filterable, paged, exportable as CSV. */
export function AuditLog() {
  const everyCustomer = useAccess().scope('audit.read') === 'any';
  const { draft, setDraft, set, query, listQuery, setPage } = useListFilters<Filters>(NO_FILTERS, toQuery);
  const events = useApi<Page<AuditEventDto>>(`/api/admin/audit?${listQuery}`);

  return (
    <section aria-labelledby="audit-heading" className="stack">
      <div className="toolbar">
        <h2 id="audit-heading">Audit log</h2>
        <a className="btn btn-secondary" href={`/api/admin/audit/export?${query}`} download>
          Export CSV
        </a>
      </div>
      <fieldset className="filters">
        <legend>Filter the audit log</legend>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={draft.action} onChange={(e) => set('action', e.target.value)}>
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {AUDIT_ACTION_LABELS[a]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-actor">Actor ID</label>
          <input id="audit-actor" inputMode="numeric" value={draft.actorId} onChange={(e) => set('actorId', e.target.value)} />
        </div>
        {everyCustomer && (
          <CustomerCombobox id="audit-customer" value={draft.customerId} onChange={(v) => set('customerId', v)} hint="Name or ID" />
        )}
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="date" value={draft.from} onChange={(e) => set('from', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input id="audit-to" type="date" value={draft.to} onChange={(e) => set('to', e.target.value)} />
        </div>
        <button type="button" className="btn btn-ghost btn-small" onClick={() => setDraft(NO_FILTERS)}>
          Clear filters
        </button>
      </fieldset>
      <PagedTable
        list={events}
        noun="audit events"
        caption="Audit log table"
        head={
          <>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Customer</th>
            <th scope="col">Target</th>
            <th scope="col">Change</th>
            <th scope="col">From</th>
          </>
        }
        row={(e) => (
          <tr key={e.id} data-audit-id={e.id}>
            <td className="nowrap">
              <Time iso={e.createdAt} />
              <div className="muted small">#{e.id}</div>
            </td>
            <td>
              {AUDIT_ACTION_LABELS[e.action as keyof typeof AUDIT_ACTION_LABELS] ?? e.action}
              <div className="muted small mono">{e.action}</div>
            </td>
            <td>
              {e.actorUsername ? `${e.actorUsername} (#${e.actorId})` : <span className="muted">System or anonymous</span>}
              {e.actorApiKey && <div className="muted small">via API key <span className="mono">{e.actorApiKey.prefix ?? `#${e.actorApiKey.id}`}</span></div>}
            </td>
            <td>{e.customerName ?? <span className="muted">Platform</span>}</td>
            <td className="nowrap">{e.targetType ? `${e.targetType} #${e.targetId}` : '—'}</td>
            <td className="description">
              <Change before={e.before} after={e.after} />
            </td>
            <td className="small">
              <span className="mono">{e.address ?? '—'}</span>
              {e.userAgent && (
                <div className="muted" title={e.userAgent}>
                  {describeUserAgent(e.userAgent)}
                </div>
              )}
            </td>
          </tr>
        )}
        empty="No audit events match these filters."
        onPage={setPage}
      />
    </section>
  );
}
