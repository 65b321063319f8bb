'use client';

import { useSyncExternalStore } from 'react';
import { formatDateTime, formatLocal } from './format';

const noSubscription = () => () => {};

/**
 * An instant shown in the viewer's time zone, with UTC on hover. The server doesn't know the
 * viewer's zone, so it renders UTC and the browser switches to local time after hydration.
 */
export function Time({ iso, mode = 'datetime' }: { iso: string; mode?: 'datetime' | 'date' }) {
  const inBrowser = useSyncExternalStore(noSubscription, () => true, () => false);
  const utc = formatDateTime(iso);
  return (
    <time dateTime={iso} title={utc}>
      {inBrowser ? formatLocal(iso, mode) : utc}
    </time>
  );
}
