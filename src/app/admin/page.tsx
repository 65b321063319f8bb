import type { Metadata } from 'next';
import { pageUser } from '@/app/lib/auth/page-user';

export const metadata: Metadata = { title: 'Admin' };
export const dynamic = 'force-dynamic';

export default async function AdminPage() {
  const user = await pageUser('/admin');
  return (
    <main className="page">
      <h1>Admin dashboard</h1>
      <p>
        Signed in as <strong>{user.username}</strong> ({user.role}).
      </p>
    </main>
  );
}
