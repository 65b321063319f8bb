'use client';

import { useState } from 'react';

/**
 * A secret shown this once (a new API key, a webhook's signing secret): the warning, what it is
 * for, the value, Copy (with what the browser allowed) and Done.
 */
export function SecretOnce({
  noun,
  secret,
  testId,
  children,
  onDone,
}: {
  /** "key", "signing secret": named in the warning, the value's label and the Copy button. */
  noun: string;
  secret: string;
  testId?: string;
  children: React.ReactNode;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }
  const label = noun.charAt(0).toUpperCase() + noun.slice(1);
  return (
    <div className="stack">
      <p role="status" className="alert alert-warning">
        This is the only time the {noun} is shown. Copy it now and keep it somewhere safe: it can&apos;t be shown again.
      </p>
      <p>{children}</p>
      <output className="secret" aria-label={label} data-testid={testId}>
        {secret}
      </output>
      {copied && (
        <p role="status" className={copied === 'yes' ? 'alert alert-success' : 'alert alert-error'}>
          {copied === 'yes' ? 'Copied to the clipboard.' : `The browser did not allow copying: select the ${noun} and copy it by hand.`}
        </p>
      )}
      <div className="modal-actions">
        <button type="button" className="btn btn-secondary" onClick={copy}>
          Copy {noun.split(' ').at(-1)}
        </button>
        <button type="button" className="btn btn-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
