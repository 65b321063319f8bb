import { money } from './payments';
import type { Store } from './store';
import type { CheckoutSession } from './types';

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (status: number, title: string, content: string): PageResponse => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
table{width:100%;border-collapse:collapse}td{padding:.3rem 0}td:last-child{text-align:right}
.actions{display:flex;gap:1rem;margin-top:2rem}button,a.button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:1px solid #635bff;cursor:pointer;text-decoration:none}
button{background:#635bff;color:#fff}a.button{color:#635bff}</style></head>
<body><p><small>Fake Stripe Checkout (test mode)</small></p><h1>${escape(title)}</h1>${content}</body></html>`,
});

function checkoutForm(store: Store, session: CheckoutSession): PageResponse {
  const items = store.checkoutExtras.get(session.id)!.lineItems;
  const rows = items
    .map((item) => `<tr><td>${escape(item.name)} × ${item.quantity}</td><td>${money(item.unitAmount * item.quantity, session.currency!)}</td></tr>`)
    .join('');
  const summary =
    session.mode === 'payment'
      ? `<table>${rows}<tr><td><strong>Total</strong></td><td><strong>${money(session.amount_total!, session.currency!)}</strong></td></tr></table>`
      : '<p>Save a card (Visa •••• 4242) for future payments.</p>';
  // Cancel is a plain link, as Stripe's back link is: leaving doesn't end the session, which stays
  // open until it expires, and no event is sent.
  const cancel = session.cancel_url ? `<a class="button" href="${escape(session.cancel_url)}">Cancel</a>` : '';
  return page(
    200,
    session.mode === 'payment' ? 'Pay' : 'Set up a card',
    `${summary}<form class="actions" method="post" action="/checkout/${escape(session.id)}/pay"><button type="submit">${session.mode === 'payment' ? 'Pay' : 'Save card'}</button>${cancel}</form>`,
  );
}

/**
 * The hosted page a session's `url` points at: Pay completes the session with a good card and
 * delivers its events before redirecting to `success_url`, so the app has them when the browser lands.
 */
export async function checkoutPage(
  store: Store,
  method: string,
  path: string,
  complete: (sessionId: string) => Promise<CheckoutSession>,
): Promise<PageResponse> {
  const [, , id = '', action] = path.split('/');
  const session = store.find('checkout.session', decodeURIComponent(id));
  if (!session) return page(404, 'Not found', '<p>No such Checkout Session.</p>');
  if (method === 'GET' && action === undefined) {
    return session.status === 'open' ? checkoutForm(store, session) : page(410, 'Checkout ended', `<p>This Checkout Session is ${session.status}.</p>`);
  }
  if (method !== 'POST' || action !== 'pay') return page(404, 'Not found', '<p>Nothing here.</p>');
  if (session.status !== 'open') return page(409, 'Checkout ended', `<p>This Checkout Session is ${session.status}.</p>`);
  const completed = await complete(session.id);
  if (!completed.success_url) return page(200, 'Thank you', '<p>Done. You can close this page.</p>');
  return { status: 303, headers: { location: completed.success_url.replaceAll('{CHECKOUT_SESSION_ID}', completed.id) }, body: '' };
}
