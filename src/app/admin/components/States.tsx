'use client';

import type { ApiError } from '../lib/api-client';

export function ErrorAlert({ title, error, onRetry }: { title: string; error: ApiError; onRetry?: () => void }) {
  return (
    <div role="alert" className="alert alert-error">
      <p className="alert-title">{title}</p>
      <p>{error.message}</p>
      {error.detailLines.length > 0 && (
        <ul className="detail-list">
          {error.detailLines.map((line) => (
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
