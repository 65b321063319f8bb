'use client';

import { useEffect, useRef, useState } from 'react';

type Step = { kind: 'password' } | { kind: 'code'; username: string; password: string };

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Invalid username or password.',
  totp_invalid: 'That code is wrong or was already used. Enter the current code from your app, or a recovery code.',
  forbidden: 'The sign-in form expired. Try again.',
};

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const errorRef = useRef<HTMLParagraphElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  async function submit(fields: { username: string; password: string; totp?: string }) {
    setPending(true);
    setError(null);
    try {
      const { csrfToken } = await (await fetch('/api/auth/csrf')).json();
      const res = await fetch('/api/auth/callback/credentials', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrfToken, ...fields, json: 'true' }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok && body.url && !new URL(body.url, location.href).searchParams.has('error')) {
        window.location.assign(callbackUrl);
        return;
      }
      setPending(false);
      if (body.code === 'totp_required') {
        setStep({ kind: 'code', username: fields.username, password: fields.password });
      } else if (res.status === 429) {
        setError(body.details ?? 'Too many sign-in attempts. Try again later.');
      } else {
        setError(MESSAGES[body.code] ?? 'Invalid username or password.');
      }
    } catch {
      setPending(false);
      setError('Could not reach the server. Check your connection and try again.');
    }
  }

  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);
  useEffect(() => {
    if (step.kind === 'code') codeRef.current?.focus();
  }, [step]);

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (step.kind === 'password') {
      void submit({ username: String(form.get('username') ?? ''), password: String(form.get('password') ?? '') });
    } else {
      void submit({ username: step.username, password: step.password, totp: String(form.get('totp') ?? '') });
    }
  }

  const alert = error && (
    <p role="alert" className="alert alert-error" tabIndex={-1} ref={errorRef}>
      {error}
    </p>
  );

  if (step.kind === 'code') {
    return (
      // Keyed: React must not reuse the password form's inputs (their values) for the code step.
      <form key="code" onSubmit={onSubmit} className="stack">
        <p id="totp-help">
          Two-factor sign-in is on for <strong>{step.username}</strong>. Enter the 6-digit code from your authenticator app, or one
          of your recovery codes.
        </p>
        <div className="field">
          <label htmlFor="totp">Authentication code</label>
          <input
            ref={codeRef}
            id="totp"
            name="totp"
            autoComplete="one-time-code"
            inputMode="text"
            aria-describedby="totp-help"
            spellCheck={false}
            maxLength={64}
            required
          />
        </div>
        {alert}
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Verifying…' : 'Verify'}
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            setStep({ kind: 'password' });
            setError(null);
          }}
        >
          Use another account
        </button>
      </form>
    );
  }

  return (
    <form key="password" onSubmit={onSubmit} className="stack" noValidate={false}>
      <div className="field">
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" required autoFocus />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      {alert}
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
