'use client';

import { useState } from 'react';

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  async function signOut() {
    setPending(true);
    try {
      const { csrfToken } = await (await fetch('/api/auth/csrf')).json();
      await fetch('/api/auth/signout', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrfToken, json: 'true' }),
      });
    } finally {
      // A full load: nothing of the signed-in client state survives, and Back doesn't return to it.
      window.location.replace('/login');
    }
  }
  return (
    <button type="button" className="btn btn-ghost" onClick={signOut} disabled={pending}>
      Sign out
    </button>
  );
}
