'use client';

import { CustomerCombobox } from '@/app/_ui/CustomerCombobox';
import { notify } from '@/app/_ui/Toasts';
import { Time } from '@/app/_ui/Time';
import { useEffect, useState } from 'react';
import type { Role } from '@/app/lib/auth/roles';
import type { CustomerDto } from '@/app/lib/customers';
import { useAccess } from '@/app/_ui/access';
import { formatCredits, formatNumber, ROLE_LABELS } from '@/app/_ui/format';
import type { UserDto } from '@/app/lib/users';
import { ApiError, apiFetch, useApi, type Page } from '@/app/_ui/api-client';
import { PagedTable } from '@/app/_ui/PagedTable';
import { ErrorAlert } from '@/app/_ui/States';
import { ConfirmDialog } from '@/app/_ui/ConfirmDialog';
import { MonthlyLimitModal } from '@/app/admin/dialogs/MonthlyLimitModal';
import { UserFormModal } from '@/app/admin/dialogs/UserFormModal';


/** The Users tab: list, create, activate/deactivate, change role; scoped like the API. */
export function UserManagement({ me }: { me: { id: number; customerId: number | null } }) {
  const access = useAccess();
  const isPlatformAdmin = access.scope('users.read') === 'any';
  const [searchInput, setSearchInput] = useState('');
  const [customerInput, setCustomerInput] = useState('');
  const [filters, setFilters] = useState({ search: '', customerId: '' });
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [limiting, setLimiting] = useState<UserDto | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  // A role change or a deactivation waits here for its confirmation.
  const [pending, setPending] = useState<{ user: UserDto; patch: { active?: boolean; role?: Role }; done: string; question: string; action: string } | null>(null);

  useEffect(() => {
    const t = setTimeout(() => {
      setFilters({ search: searchInput.trim(), customerId: /^[0-9]+$/.test(customerInput.trim()) ? customerInput.trim() : '' });
      setPage(1);
    }, 250);
    return () => clearTimeout(t);
  }, [searchInput, customerInput]);

  const params = new URLSearchParams({ page: String(page), pageSize: '25' });
  if (filters.search) params.set('search', filters.search);
  if (filters.customerId) params.set('customerId', filters.customerId);
  const users = useApi<Page<UserDto>>(`/api/admin/users?${params}`);
  const { reload } = users;

  const seatCustomerId = isPlatformAdmin ? filters.customerId : String(me.customerId);
  const seats = useApi<{ customer: CustomerDto }>(seatCustomerId ? `/api/admin/customers/${seatCustomerId}` : null);

  async function update(user: UserDto, patch: { active?: boolean; role?: Role }, done: string) {
    setActionError(null);
    try {
      await apiFetch(`/api/admin/users/${user.id}`, { method: 'PATCH', body: JSON.stringify(patch) });
      notify(done);
      reload();
      seats.reload();
    } catch (e) {
      setActionError(e as ApiError);
    }
  }

  const seatInfo = seats.data?.customer;
  return (
    <section aria-labelledby="users-heading" className="stack">
      <div className="toolbar">
        <h2 id="users-heading">Users</h2>
        <div className="toolbar-actions">
          <div className="field field-inline">
            <label htmlFor="user-search">Search users</label>
            <input
              id="user-search"
              type="search"
              placeholder="Username"
              value={searchInput}
              onChange={(e) => setSearchInput(e.target.value)}
            />
          </div>
          {isPlatformAdmin && (
            <CustomerCombobox id="user-customer" value={customerInput} onChange={setCustomerInput} hint="Name or ID" />
          )}
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            Create user
          </button>
        </div>
      </div>
      {seatInfo && (
        <p className="seat-info" data-testid="seat-info">
          <strong>{seatInfo.name}</strong>: {formatNumber(seatInfo.activeUserCount)} of {formatNumber(seatInfo.maxUsers)} user
          seats in use
          {seatInfo.activeUserCount >= seatInfo.maxUsers && ' — the limit is reached; deactivate a user to add another.'}
        </p>
      )}
      {actionError && <ErrorAlert title="The change was not saved" error={actionError} />}
      <PagedTable
        list={users}
        noun="users"
        caption="Users table"
        head={
          <>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">Customer</th>
            <th scope="col">Status</th>
            <th scope="col">Spent this month</th>
            <th scope="col">Created</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Actions</th>
          </>
        }
        row={(u) => {
          const self = u.id === me.id;
          const roleEditable = !self && access.rolesOnChange.includes(u.role);
          return (
            <tr key={u.id} data-user-id={u.id}>
              <td className="strong">{u.username}</td>
              <td>
                {roleEditable ? (
                  <select
                    aria-label={`Role of ${u.username}`}
                    value={u.role}
                    onChange={(e) => {
                      const role = e.target.value as Role;
                      setPending({
                        user: u,
                        patch: { role },
                        done: `${u.username} is now ${ROLE_LABELS[role]}.`,
                        question: `Change ${u.username} from ${ROLE_LABELS[u.role]} to ${ROLE_LABELS[role]}? What they may see and do changes at their next request.`,
                        action: 'Change role',
                      });
                    }}
                  >
                    {access.rolesOnChange.map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABELS[r]}
                      </option>
                    ))}
                  </select>
                ) : (
                  ROLE_LABELS[u.role]
                )}
              </td>
              <td>{u.customerName ?? <span className="muted">Platform</span>}</td>
              <td>
                <span className={`badge badge-${u.active ? 'active' : 'inactive'}`}>{u.active ? 'Active' : 'Inactive'}</span>
              </td>
              <td className="nowrap" data-testid="monthly-spend">
                {u.customerId === null ? (
                  <span className="muted">—</span>
                ) : (
                  <>
                    <MonthlySpend user={u} />
                    <button type="button" className="btn btn-ghost btn-small" onClick={() => setLimiting(u)}>
                      {u.monthlyCreditLimit === null ? 'Set limit' : 'Change limit'}
                      <span className="visually-hidden"> of {u.username}</span>
                    </button>
                  </>
                )}
              </td>
              <td>
                <Time iso={u.createdAt} mode="date" />
              </td>
              <td>
                {u.lastLoginAt ? (
                  <Time iso={u.lastLoginAt} />
                ) : (
                  <span className="muted">Never</span>
                )}
              </td>
              <td>
                {!self && (
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    onClick={() =>
                      u.active
                        ? setPending({
                            user: u,
                            patch: { active: false },
                            done: `${u.username} deactivated.`,
                            question: `Deactivate ${u.username}? They are signed out and can't sign in until someone activates them again.`,
                            action: 'Deactivate',
                          })
                        : update(u, { active: true }, `${u.username} activated.`)
                    }
                  >
                    {u.active ? 'Deactivate' : 'Activate'}
                    <span className="visually-hidden"> {u.username}</span>
                  </button>
                )}
              </td>
            </tr>
          );
        }}
        empty="No users match these filters."
        onPage={setPage}
      />
      <ConfirmDialog
        open={pending !== null}
        title={pending?.action === 'Deactivate' ? 'Deactivate user?' : 'Change role?'}
        confirmLabel={pending?.action ?? ''}
        danger={pending?.action === 'Deactivate'}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          if (pending) void update(pending.user, pending.patch, pending.done);
          setPending(null);
        }}
      >
        <p>{pending?.question}</p>
      </ConfirmDialog>
      <MonthlyLimitModal
        user={limiting}
        onClose={() => setLimiting(null)}
        onSaved={(message) => {
          setLimiting(null);
          notify(message);
          reload();
        }}
      />
      <UserFormModal
        open={creating}
        defaultCustomerId={filters.customerId ? Number(filters.customerId) : null}
        onClose={() => setCreating(false)}
        onCreated={(username) => {
          setCreating(false);
          notify(`Created user ${username}.`);
          reload();
          seats.reload();
        }}
      />
    </section>
  );
}

/** "12 of 50 credits", a bar, and a warning colour near and at the limit; no limit: the spending alone. */
function MonthlySpend({ user }: { user: UserDto }) {
  const { spentThisMonth: spent, monthlyCreditLimit: limit } = user;
  if (limit === null) {
    return (
      <span>
        {formatCredits(spent)} <span className="small muted">(no limit)</span>
      </span>
    );
  }
  const share = limit === 0 ? 1 : Math.min(1, spent / limit);
  const level = share >= 1 ? 'full' : share >= 0.8 ? 'near' : 'ok';
  return (
    <span className="spend">
      <span>
        {formatNumber(spent)} of {formatCredits(limit)}
      </span>
      <meter className={`spend-meter spend-${level}`} min={0} max={1} low={0.8} high={0.99} optimum={0} value={share} aria-label={`${user.username} has spent ${Math.round(share * 100)}% of the monthly limit`} />
    </span>
  );
}
