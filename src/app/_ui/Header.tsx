'use client';

import Link from 'next/link';
import type { Caller } from '@/app/lib/auth/caller';
import { Can, useAccess } from './access';
import { ROLE_LABELS } from './format';
import { NotificationBell } from './NotificationBell';
import { SignOutButton } from './SignOutButton';

export function Header({ user, enrolling }: { user: Pick<Caller, 'username' | 'role' | 'customerName'>; enrolling: boolean }) {
  const { can } = useAccess();
  return (
    <header className="app-header">
      <nav aria-label="Main" className="main-nav">
        <Link href={can('customers.read') ? '/admin' : '/search'} className="brand">
          roblox-tool
        </Link>
        {!enrolling && (
          <>
            <Can permission="customers.read">
              <Link href="/admin">Admin</Link>
            </Can>
            <Can permission="searches.run">
              <Link href="/search">Look-ups</Link>
            </Can>
            <Can permission="billing.buy">
              <Link href="/billing">Billing</Link>
            </Can>
            <Can permission="account.two_factor">
              <Link href="/account/security">Security</Link>
            </Can>
          </>
        )}
      </nav>
      <div className="app-header-user">
        {!enrolling && (
          <Can permission="account.notifications">
            <NotificationBell />
          </Can>
        )}
        <span>
          <strong>{user.username}</strong>{' '}
          <span className="muted">
            {ROLE_LABELS[user.role]}
            {user.customerName ? ` · ${user.customerName}` : ''}
          </span>
        </span>
        <SignOutButton />
      </div>
    </header>
  );
}
