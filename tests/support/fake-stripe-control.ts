import { server } from './api';

/** The API suites' fake Stripe, driven over its `/__control/…` endpoints (it runs in the global setup's process). */
export async function stripeControl<T = any>(action: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server().stripeUrl}/__control/${action}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`fake Stripe ${action}: ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

/** The Checkout Session id at the end of a session's hosted-page URL. */
export const sessionIdOf = (url: string) => new URL(url).pathname.split('/').pop()!;
