'use client';

import type { ApiError } from './api-client';

/**
 * An API error as the user should read it. Forms pass the fields they show errors beside
 * (`inlineFields`): those messages aren't repeated here, the alert points at the fields instead.
 */
export function ErrorAlert({
  title,
  error,
  onRetry,
  inlineFields = [],
}: {
  title: string;
  error: ApiError;
  onRetry?: () => void;
  inlineFields?: string[];
}) {
  const shownInline = inlineFields.filter((f) => error.fieldError(f));
  const lines = error.detailLines.filter((line) => !shownInline.some((f) => line.startsWith(`${f}: `)));
  return (
    <div role="alert" className="alert alert-error">
      <p className="alert-title">{title}</p>
      <p>{shownInline.length > 0 ? 'Check the highlighted fields.' : error.message}</p>
      {lines.length > 0 && (
        <ul className="detail-list">
          {lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="btn btn-secondary btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p role="status" className="loading">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="empty">{children}</p>;
}
