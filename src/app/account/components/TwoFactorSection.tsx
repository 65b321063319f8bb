'use client';

import { Time } from '@/app/_ui/Time';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import type { TwoFactorStatus } from '@/app/lib/auth/two-factor';
import { apiFetch, ApiError } from '@/app/_ui/api-client';
import { ErrorAlert } from '@/app/_ui/States';
import { TextField } from '@/app/_ui/TextField';

type Phase =
  | { kind: 'status' }
  | { kind: 'scan'; secret: string; otpauthUrl: string; qr: string | null }
  | { kind: 'codes'; recoveryCodes: string[] }
  | { kind: 'disable' };

/** Enrolment (QR code + first code), the one-time display of recovery codes, and turning it off. */
export function TwoFactorSection({ initial, username }: { initial: TwoFactorStatus; username: string }) {
  const [status, setStatus] = useState(initial);
  const [phase, setPhase] = useState<Phase>({ kind: 'status' });
  const [code, setCode] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);

  async function call<T>(path: string, body?: unknown): Promise<T | null> {
    setPending(true);
    setError(null);
    try {
      return await apiFetch<T>(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      setError(e as ApiError);
      return null;
    } finally {
      setPending(false);
    }
  }

  async function start() {
    const setup = await call<{ secret: string; otpauthUrl: string }>('/api/me/2fa/setup');
    if (setup) {
      setCode('');
      setPhase({ kind: 'scan', ...setup, qr: null });
    }
  }

  useEffect(() => {
    if (phase.kind !== 'scan' || phase.qr) return;
    let live = true;
    // Drawn in the browser: the secret never leaves this page for an image service.
    void QRCode.toDataURL(phase.otpauthUrl, { margin: 1, width: 200 }).then((qr) => live && setPhase({ ...phase, qr }));
    return () => {
      live = false;
    };
  }, [phase]);

  async function enable(event: React.FormEvent) {
    event.preventDefault();
    const done = await call<{ recoveryCodes: string[] }>('/api/me/2fa/enable', { code });
    if (done) {
      setStatus({ ...status, enabled: true, enabledAt: new Date().toISOString(), recoveryCodesLeft: done.recoveryCodes.length });
      setPhase({ kind: 'codes', recoveryCodes: done.recoveryCodes });
    }
  }

  async function disable(event: React.FormEvent) {
    event.preventDefault();
    if (await call('/api/me/2fa/disable', { code })) {
      setStatus({ ...status, enabled: false, enabledAt: null, recoveryCodesLeft: 0 });
      setPhase({ kind: 'status' });
    }
  }

  const codeError = error?.fieldError('code');

  return (
    <section className="card stack" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Two-factor sign-in</h2>
      {phase.kind === 'status' && (
        <>
          {status.enabled ? (
            <p>
              <span className="badge badge-active">On</span> since {status.enabledAt ? <Time iso={status.enabledAt} /> : '—'}. Signing in
              asks for a code from your authenticator app. {status.recoveryCodesLeft} of 10 recovery codes left.
            </p>
          ) : (
            <p>
              <span className="badge badge-inactive">Off</span> Add a second step to signing in: a 6-digit code from an authenticator app
              (Google Authenticator, Microsoft Authenticator, 1Password, …) on your phone.
            </p>
          )}
          {error && <ErrorAlert title="Could not change two-factor sign-in" error={error} />}
          <div className="row-actions">
            {!status.enabled && (
              <button type="button" className="btn btn-primary" onClick={start} disabled={pending}>
                Set up two-factor sign-in
              </button>
            )}
            {status.enabled && !status.required && (
              <button type="button" className="btn btn-secondary" onClick={() => (setCode(''), setError(null), setPhase({ kind: 'disable' }))}>
                Turn off
              </button>
            )}
          </div>
          {status.enabled && status.required && <p className="hint">Your role requires two-factor sign-in, so it can&apos;t be turned off.</p>}
        </>
      )}

      {phase.kind === 'scan' && (
        <form className="stack" onSubmit={enable}>
          <ol className="steps">
            <li>Open your authenticator app and add an account by scanning this QR code.</li>
            <li>Enter the 6-digit code the app shows for roblox-tool ({username}).</li>
          </ol>
          <div className="qr">
            {/* A data: URL generated here; next/image has nothing to optimise in it. */}
            {/* eslint-disable-next-line @next/next/no-img-element */}
            {phase.qr ? <img src={phase.qr} width={200} height={200} alt="QR code to add this account to an authenticator app" /> : <span className="qr-placeholder" />}
            <div className="stack">
              <p className="small">Can&apos;t scan it? Type this key into the app instead:</p>
              <code className="secret" aria-label="Set-up key">
                {phase.secret.match(/.{1,4}/g)!.join(' ')}
              </code>
            </div>
          </div>
          <TextField
            label="Code from the app"
            name="code"
            value={code}
            onChange={setCode}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={10}
            required
            error={codeError}
          />
          {error && !codeError && <ErrorAlert title="Could not turn on two-factor sign-in" error={error} />}
          <div className="row-actions">
            <button type="submit" className="btn btn-primary" disabled={pending}>
              {pending ? 'Checking…' : 'Turn on'}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => (setError(null), setPhase({ kind: 'status' }))}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {phase.kind === 'codes' && (
        <div className="stack">
          <div role="status" className="alert alert-success">
            <p className="alert-title">Two-factor sign-in is on</p>
            <p>Save these recovery codes somewhere safe. Each one signs you in once if you lose your phone. They are shown only now.</p>
          </div>
          <ul className="recovery-codes" aria-label="Recovery codes">
            {phase.recoveryCodes.map((c) => (
              <li key={c} className="mono">
                {c}
              </li>
            ))}
          </ul>
          <div className="row-actions">
            <a
              className="btn btn-secondary"
              download="roblox-tool-recovery-codes.txt"
              href={`data:text/plain;charset=utf-8,${encodeURIComponent(phase.recoveryCodes.join('\n') + '\n')}`}
            >
              Download codes
            </a>
            <button type="button" className="btn btn-primary" onClick={() => (status.required ? window.location.replace('/') : setPhase({ kind: 'status' }))}>
              I saved them
            </button>
          </div>
        </div>
      )}

      {phase.kind === 'disable' && (
        <form className="stack" onSubmit={disable}>
          <p>Enter a current code from your authenticator app, or a recovery code, to turn two-factor sign-in off.</p>
          <TextField label="Code" name="code" value={code} onChange={setCode} autoComplete="one-time-code" maxLength={64} required error={codeError} />
          {error && !codeError && <ErrorAlert title="Could not turn off two-factor sign-in" error={error} />}
          <div className="row-actions">
            <button type="submit" className="btn btn-secondary" disabled={pending}>
              Turn off two-factor sign-in
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => (setError(null), setPhase({ kind: 'status' }))}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
