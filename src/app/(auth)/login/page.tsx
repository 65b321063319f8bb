import type { Metadata } from 'next';
import { LoginForm } from './LoginForm';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  // Only same-site paths: an absolute URL here would make the login page an open redirect.
  const target = callbackUrl && callbackUrl.startsWith('/') && !callbackUrl.startsWith('//') ? callbackUrl : '/admin';
  return (
    <main className="auth-page">
      <section className="card auth-card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to roblox-tool</h1>
        <LoginForm callbackUrl={target} />
      </section>
    </main>
  );
}
