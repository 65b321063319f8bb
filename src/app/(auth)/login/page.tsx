import type { Metadata } from 'next';
import { LoginForm } from './LoginForm';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  return (
    <main className="auth-page">
      <section className="card auth-card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to roblox-tool</h1>
        <LoginForm callbackUrl={sameSitePath(callbackUrl)} />
      </section>
    </main>
  );
}

/**
 * Only a path on this site: anything a browser could read as another origin ("//x", "/\\x", a tab
 * or newline inside) falls back to /admin, so the login page is never an open redirect.
 */
function sameSitePath(candidate: string | undefined): string {
  if (!candidate || !candidate.startsWith('/') || /[\\\s]/.test(candidate)) return '/admin';
  const base = 'http://same-site.invalid';
  const url = new URL(candidate, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : '/admin';
}

