'use client';

import { useState } from 'react';
import type { ApiKeyDto } from '@/app/lib/auth/api-key-schemas';
import { ApiError, apiFetch, useApi, type Page } from '@/app/_ui/api-client';
import { Time } from '@/app/_ui/Time';
import { Modal } from '@/app/_ui/Modal';
import { PagedTable } from '@/app/_ui/PagedTable';
import { ErrorAlert } from '@/app/_ui/States';
import { CreateApiKeyModal } from '../dialogs/CreateApiKeyModal';

const when = (iso: string | null, none: string) => (iso ? <Time iso={iso} /> : <span className="muted">{none}</span>);

function status(k: ApiKeyDto): { label: string; badge: string } {
  if (k.revokedAt) return { label: 'Revoked', badge: 'badge-voided' };
  if (k.expiresAt && Date.parse(k.expiresAt) <= Date.now()) return { label: 'Expired', badge: 'badge-expired' };
  return { label: 'Active', badge: 'badge-active' };
}

/** The API keys tab: the caller's keys (a SUPER_ADMIN: every key), made here, revoked here; never a secret. */
export function ApiKeys() {
  const [page, setPage] = useState(1);
  const keys = useApi<Page<ApiKeyDto>>(`/api/admin/api-keys?page=${page}`);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyDto | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function revoke(k: ApiKeyDto) {
    setError(null);
    try {
      await apiFetch(`/api/admin/api-keys/${k.id}`, { method: 'DELETE' });
      setNotice(`Key “${k.name}” (${k.prefix}…) was revoked: it is refused from now on.`);
      keys.reload();
    } catch (e) {
      setError(e as ApiError);
    }
    setRevoking(null);
  }

  return (
    <section aria-labelledby="api-keys-heading" className="stack">
      <div className="toolbar">
        <h2 id="api-keys-heading">API keys</h2>
        <div className="toolbar-actions">
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            Create API key
          </button>
        </div>
      </div>
      <p className="muted">
        Scripts and the <span className="mono">roblox-tool</span> command send a key as <span className="mono">Authorization: Bearer rtk_…</span> in place of
        signing in. A key can do only what its permissions say, for its customer, while the admin who made it is active.
      </p>
      {notice && (
        <p role="status" className="alert alert-success">
          {notice}
        </p>
      )}
      {error && <ErrorAlert title="The key was not revoked" error={error} />}
      <PagedTable
        list={keys}
        noun="API keys"
        caption="API keys table"
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Customer</th>
            <th scope="col">Permissions</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </>
        }
        row={(k) => {
          const s = status(k);
          return (
            <tr key={k.id} data-api-key-id={k.id}>
              <td>
                {k.name}
                <div className="muted small mono">{k.prefix}…</div>
              </td>
              <td>{k.customerName ? `${k.customerName} (#${k.customerId})` : <span className="muted">Platform</span>}</td>
              <td className="small mono permission-list">{k.permissions.join(', ')}</td>
              <td className="small">
                {when(k.createdAt, '')}
                <div className="muted">by {k.createdBy.username}</div>
              </td>
              <td className="small">{when(k.lastUsedAt, 'Never')}</td>
              <td>
                <span className={`badge ${s.badge}`}>{s.label}</span>
                {k.expiresAt && !k.revokedAt && <div className="muted small">until <Time iso={k.expiresAt} /></div>}
              </td>
              <td>
                {!k.revokedAt && (
                  <button type="button" className="btn btn-secondary btn-small" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          );
        }}
        empty="No API keys yet."
        onPage={setPage}
      />
      <CreateApiKeyModal open={creating} onClose={() => setCreating(false)} onCreated={() => keys.reload()} />
      <Modal open={revoking !== null} onClose={() => setRevoking(null)} title="Revoke API key?">
        {revoking && (
          <div className="stack">
            <p>
              <strong>{revoking.name}</strong> (<span className="mono">{revoking.prefix}…</span>) stops working at once, for every program that uses it. This
              can&apos;t be undone.
            </p>
            <div className="modal-actions">
              <button type="button" className="btn btn-secondary" onClick={() => setRevoking(null)}>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" onClick={() => revoke(revoking)}>
                Revoke key
              </button>
            </div>
          </div>
        )}
      </Modal>
    </section>
  );
}
