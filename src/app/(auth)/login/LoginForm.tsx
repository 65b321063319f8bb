'use client';

import { useEffect, useRef, useState } from 'react';

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const errorRef = useRef<HTMLParagraphElement>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    try {
      const { csrfToken } = await (await fetch('/api/auth/csrf')).json();
      const res = await fetch('/api/auth/callback/credentials', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          csrfToken,
          username: String(form.get('username') ?? ''),
          password: String(form.get('password') ?? ''),
          json: 'true',
        }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 429) {
        fail(body.details ?? 'Too many sign-in attempts. Try again later.');
      } else if (!res.ok || !body.url || new URL(body.url, location.href).searchParams.has('error')) {
        fail('Invalid username or password.');
      } else {
        window.location.assign(callbackUrl);
      }
    } catch {
      fail('Could not reach the server. Check your connection and try again.');
    }
  }

  function fail(message: string) {
    setPending(false);
    setError(message);
  }

  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  return (
    <form onSubmit={onSubmit} className="stack" noValidate={false}>
      <div className="field">
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" required autoFocus />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      {error && (
        <p role="alert" className="alert alert-error" tabIndex={-1} ref={errorRef}>
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
