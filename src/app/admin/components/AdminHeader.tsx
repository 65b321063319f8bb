import Link from 'next/link';
import { can } from '@/app/lib/auth/permissions';
import type { SessionUser } from '@/app/lib/users';
import { SignOutButton } from './SignOutButton';

const ROLE_LABELS = { SUPER_ADMIN: 'Super admin', CUSTOMER_ADMIN: 'Customer admin', USER: 'User' } as const;

export function AdminHeader({ user }: { user: SessionUser }) {
  return (
    <header className="app-header">
      <nav aria-label="Main" className="main-nav">
        <Link href={can(user.role, 'customers.read') ? '/admin' : '/search'} className="brand">
          roblox-tool
        </Link>
        {can(user.role, 'customers.read') && <Link href="/admin">Admin</Link>}
        {can(user.role, 'searches.run') && <Link href="/search">Look-ups</Link>}
      </nav>
      <div className="app-header-user">
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
