import Link from 'next/link';
import type { SessionUser } from '@/app/lib/users';
import { SignOutButton } from './SignOutButton';

const ROLE_LABELS = { SUPER_ADMIN: 'Super admin', CUSTOMER_ADMIN: 'Customer admin', USER: 'User' } as const;

export function AdminHeader({ user }: { user: SessionUser }) {
  return (
    <header className="app-header">
      <Link href="/admin" className="brand">
        roblox-tool <span className="muted">admin</span>
      </Link>
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
