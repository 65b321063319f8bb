'use client';

import { useState } from 'react';
import { useAccess } from '@/app/_ui/access';
import { ApiError, apiFetch, useApi, type Page } from '@/app/_ui/api-client';
import { ConfirmDialog } from '@/app/_ui/ConfirmDialog';
import { CustomerCombobox } from '@/app/_ui/CustomerCombobox';
import { Modal } from '@/app/_ui/Modal';
import { Pagination } from '@/app/_ui/Pagination';
import { SecretOnce } from '@/app/_ui/SecretOnce';
import { Empty, ErrorAlert, Loading } from '@/app/_ui/States';
import { TextField } from '@/app/_ui/TextField';
import { Time } from '@/app/_ui/Time';
import { notify } from '@/app/_ui/Toasts';
import type { DeliveryDto, WebhookDto } from '@/app/lib/webhooks';
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES } from '@/app/shared/webhooks';

/** The Webhooks tab: endpoints, their deliveries, and the copy-once secret of a new one. */
export function WebhookManagement() {
  const [page, setPage] = useState(1);
  const list = useApi<Page<WebhookDto>>(`/api/admin/webhooks?page=${page}&pageSize=20`);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ webhook: WebhookDto; secret: string } | null>(null);
  const [selected, setSelected] = useState<WebhookDto | null>(null);
  const [deleting, setDeleting] = useState<WebhookDto | null>(null);
  const [deleteError, setDeleteError] = useState<ApiError | null>(null);

  async function remove(webhook: WebhookDto) {
    setDeleteError(null);
    try {
      await apiFetch(`/api/admin/webhooks/${webhook.id}`, { method: 'DELETE' });
      setDeleting(null);
      notify(`Deleted the webhook to ${webhook.url}.`);
      list.reload();
    } catch (err) {
      setDeleteError(err as ApiError);
    }
  }

  return (
    <section aria-labelledby="webhooks-heading" className="stack">
      <div className="toolbar">
        <h2 id="webhooks-heading">Webhooks</h2>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          Add webhook
        </button>
      </div>
      <p className="muted small">
        Signed HTTPS callbacks (Standard Webhooks: <span className="mono">webhook-id</span>, <span className="mono">webhook-timestamp</span>,{' '}
        <span className="mono">webhook-signature</span>) for credit changes, balance alerts and purchases. Failed deliveries are retried for 24
        hours; an endpoint that fails for 5 days is disabled until it is enabled again here.
      </p>
      {list.error && <ErrorAlert title="Webhooks could not be loaded" error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading label="Loading webhooks" />}
      {list.data && list.data.items.length === 0 && <Empty>No webhooks yet.</Empty>}
      {list.data && list.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="data-table">
            <caption className="visually-hidden">Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Customer</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((w) => (
                <tr key={w.id}>
                  <td className="url-cell mono small">{w.url}</td>
                  <td>{w.customerName ?? <span className="muted">Platform (all customers)</span>}</td>
                  <td className="small">{w.events.join(', ')}</td>
                  <td>
                    <span className={`badge ${w.enabled ? 'badge-active' : 'badge-problem'}`}>{w.enabled ? 'Enabled' : 'Disabled'}</span>
                    {w.disabledAt && (
                      <div className="muted small">
                        Kept failing; off since <Time iso={w.disabledAt} />
                      </div>
                    )}
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="btn btn-secondary btn-small" onClick={() => setSelected(w)} aria-label={`Deliveries of ${w.url}`}>
                        Deliveries
                      </button>
                      {!w.enabled && <EnableButton webhook={w} onEnabled={list.reload} />}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pagination page={page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} label="webhooks" />}
      <Modal open={creating} onClose={() => setCreating(false)} title="Add webhook">
        {creating && (
          <CreateWebhookForm
            onClose={() => setCreating(false)}
            onCreated={(created) => {
              setCreating(false);
              setSecret(created);
              list.reload();
            }}
          />
        )}
      </Modal>
      <Modal open={secret !== null} onClose={() => setSecret(null)} title="Webhook created">
        {secret && (
          <SecretOnce noun="signing secret" secret={secret.secret} onDone={() => setSecret(null)}>
            Verify each delivery to <span className="mono small">{secret.webhook.url}</span> with it (any Standard Webhooks library does).
          </SecretOnce>
        )}
      </Modal>
      <Modal open={selected !== null} onClose={() => setSelected(null)} title="Webhook deliveries" wide>
        {selected && (
          <Deliveries
            webhook={selected}
            onDelete={() => {
              setSelected(null);
              setDeleting(selected);
            }}
          />
        )}
      </Modal>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this webhook?"
        confirmLabel="Delete webhook"
        danger
        onCancel={() => {
          setDeleting(null);
          setDeleteError(null);
        }}
        onConfirm={() => deleting && remove(deleting)}
      >
        <p>
          <span className="mono small url-cell">{deleting?.url}</span> gets no more events, and its delivery history goes with it.
        </p>
        {deleteError && <ErrorAlert title="The webhook was not deleted" error={deleteError} />}
      </ConfirmDialog>
    </section>
  );
}

/** A disabled endpoint on again (its owner fixed it): what was still pending is attempted at once. */
function EnableButton({ webhook, onEnabled }: { webhook: WebhookDto; onEnabled: () => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function enable() {
    setBusy(true);
    setError(null);
    try {
      await apiFetch(`/api/admin/webhooks/${webhook.id}/enable`, { method: 'POST' });
      notify(`Enabled ${webhook.url} again; its pending deliveries are being sent.`);
      onEnabled();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className="btn btn-primary btn-small" disabled={busy} onClick={enable} aria-label={`Enable ${webhook.url}`}>
        Enable
      </button>
      {error && <ErrorAlert title="The webhook was not enabled" error={error} />}
    </>
  );
}

function CreateWebhookForm({ onClose, onCreated }: { onClose: () => void; onCreated: (c: { webhook: WebhookDto; secret: string }) => void }) {
  const { scope } = useAccess();
  const platformAdmin = scope('webhooks.manage') === 'any';
  const [url, setUrl] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [events, setEvents] = useState<string[]>(['credits.low', 'credits.depleted']);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const created = await apiFetch<{ webhook: WebhookDto; secret: string }>('/api/admin/webhooks', {
        method: 'POST',
        body: JSON.stringify({ url: url.trim(), events, ...(customerId.trim() ? { customerId: /^[0-9]+$/.test(customerId.trim()) ? Number(customerId) : customerId } : {}) }),
      });
      onCreated(created);
    } catch (err) {
      setError(err as ApiError);
      setSaving(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <TextField label="Endpoint URL" name="url" type="url" value={url} onChange={setUrl} placeholder="https://example.com/webhooks" error={error?.fieldError('url')} required />
      {platformAdmin && (
        <CustomerCombobox
          value={customerId}
          onChange={setCustomerId}
          hint="Type a name or an ID and choose; leave empty for a platform endpoint, which gets every customer's events."
          error={error?.fieldError('customerId')}
        />
      )}
      <fieldset className="permission-picker event-picker">
        <legend>Events</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} className="checkbox">
            <input
              type="checkbox"
              checked={events.includes(type)}
              onChange={(e) => setEvents((list) => (e.target.checked ? [...list, type] : list.filter((t) => t !== type)))}
            />
            <span>
              <span className="mono small">{type}</span>
              <br />
              <span className="muted small">{WEBHOOK_EVENT_LABELS[type]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {error && <ErrorAlert title="The webhook was not created" error={error} inlineFields={['url', 'customerId']} />}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving || events.length === 0}>
          Create webhook
        </button>
      </div>
    </form>
  );
}

const STATUS_BADGE = { succeeded: 'badge-active', pending: 'badge-waiting', failed: 'badge-problem' } as const;

function Deliveries({ webhook, onDelete }: { webhook: WebhookDto; onDelete: () => void }) {
  const [page, setPage] = useState(1);
  const list = useApi<Page<DeliveryDto>>(`/api/admin/webhooks/${webhook.id}/deliveries?page=${page}&pageSize=10`);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(path: string) {
    setBusy(true);
    setError(null);
    try {
      await apiFetch(path, { method: 'POST' });
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
      list.reload();
    }
  }

  return (
    <div className="stack">
      <p className="mono small url-cell">{webhook.url}</p>
      <div className="toolbar-actions">
        <button type="button" className="btn btn-secondary btn-small" disabled={busy || !webhook.enabled} onClick={() => act(`/api/admin/webhooks/${webhook.id}/test`)}>
          Send test event
        </button>
        <button type="button" className="btn btn-ghost btn-small" disabled={busy} onClick={onDelete}>
          Delete webhook
        </button>
      </div>
      {!webhook.enabled && <p className="alert alert-warning">This endpoint was disabled after failing for too long: enable it again from the list to send or retry.</p>}
      {error && <ErrorAlert title="That did not work" error={error} />}
      {list.data && list.data.items.length === 0 && <Empty>No deliveries yet.</Empty>}
      {list.data && list.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="data-table">
            <caption className="visually-hidden">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last code</th>
                <th scope="col">Last attempt</th>
                <th scope="col">Retry</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((d) => (
                <tr key={d.id}>
                  <td className="small">
                    <span className="mono">{d.eventType}</span>
                    <div className="muted">evt_{d.eventId}</div>
                  </td>
                  <td>
                    <span className={`badge ${STATUS_BADGE[d.status]}`}>{d.status}</span>
                    {d.lastError && <div className="muted small">{d.lastError}</div>}
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.lastStatusCode ?? '—'}</td>
                  <td className="small">{d.lastAttemptAt ? <Time iso={d.lastAttemptAt} /> : '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-secondary btn-small"
                      disabled={busy || !webhook.enabled}
                      aria-label={`Retry delivery ${d.id}`}
                      onClick={() => act(`/api/admin/webhooks/${webhook.id}/deliveries/${d.id}/retry`)}
                    >
                      Retry
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pagination page={page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} label="deliveries" />}
    </div>
  );
}
