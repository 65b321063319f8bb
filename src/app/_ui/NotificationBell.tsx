'use client';

import { useEffect, useId, useRef, useState } from 'react';
import type { NotificationDto } from '@/app/lib/notifications';
import { apiFetch, useApi, type Page } from './api-client';
import { formatDateTime } from './format';

type Notifications = Page<NotificationDto> & { unreadCount: number };

const POLL_MS = 30_000;

/** The header's bell: balance alerts for the signed-in user, with the unread count; opening it lists the newest. */
export function NotificationBell() {
  const list = useApi<Notifications>('/api/me/notifications?pageSize=10');
  const { reload } = list;
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [reload]);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  const unread = list.data?.unreadCount ?? 0;

  async function markAllRead() {
    await apiFetch('/api/me/notifications/read', { method: 'POST', body: JSON.stringify({}) });
    reload();
  }

  return (
    <div className="bell" ref={root}>
      <button
        type="button"
        className="btn btn-ghost bell-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        onClick={() => {
          if (!open) reload();
          setOpen((o) => !o);
        }}
      >
        <svg aria-hidden="true" className="icon" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 && (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div id={panelId} className="bell-panel card" role="region" aria-label="Notifications">
          <div className="toolbar">
            <strong>Notifications</strong>
            {unread > 0 && (
              <button type="button" className="btn btn-ghost btn-small" onClick={markAllRead}>
                Mark all read
              </button>
            )}
          </div>
          {list.data && list.data.items.length === 0 && <p className="muted small">No notifications yet.</p>}
          <ul className="bell-list">
            {list.data?.items.map((n) => (
              <li key={n.id} className={n.readAt ? 'bell-item' : 'bell-item bell-unread'}>
                <div className="strong">{n.title}</div>
                <div className="small">{n.message}</div>
                <div className="muted small">{formatDateTime(n.createdAt)}</div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
