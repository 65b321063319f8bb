'use client';

import { Toaster, toast } from 'sonner';

/** How long a success notice stays: long enough to read twice, gone well within 10 s. */
const TOAST_MS = 6_000;

/** The one place success notices appear; mounted once per signed-in page by Shell. */
export function Toasts() {
  return <Toaster position="bottom-right" duration={TOAST_MS} closeButton containerAriaLabel="Notifications" />;
}

/**
 * A success notice as a toast that dismisses itself. Sonner's region is polite; the status role on
 * the text lets tests and assistive technology find the notice by its role as before.
 */
export function notify(message: string) {
  toast.success(<span role="status">{message}</span>);
}
