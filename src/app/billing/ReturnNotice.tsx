'use client';

import { useEffect, useRef, useState } from 'react';
import type { Purchase } from '@/app/lib/billing';
import { apiFetch } from '@/app/_ui/api-client';
import { formatCredits } from '@/app/_ui/format';

type Notice =
  | { kind: 'pending' }
  | { kind: 'paid'; purchase: Purchase }
  | { kind: 'slow' }
  | { kind: 'problem'; text: string }
  | { kind: 'cancelled' }
  | { kind: 'card-saved' }
  | { kind: 'card-cancelled' };

/** How long the page waits for Stripe's webhook after the buyer is sent back (it usually takes a second). */
const WAIT_MS = 30_000;

/**
 * Coming back from Stripe (`?checkout=success|cancelled&purchase=…`, `?setup=success|cancelled`):
 * says what happened. Success waits for the webhook to credit the purchase (the page never credits
 * anything itself); cancelled ends the checkout so the abandoned session can't be paid later.
 */
export function ReturnNotice({ params, onSettled }: { params: URLSearchParams; onSettled: () => void }) {
  const checkout = params.get('checkout');
  const setup = params.get('setup');
  const purchaseId = Number(params.get('purchase'));
  const [notice, setNotice] = useState<Notice | null>(() =>
    checkout === 'success' ? { kind: 'pending' } : checkout === 'cancelled' ? { kind: 'cancelled' } : setup === 'success' ? { kind: 'card-saved' } : setup === 'cancelled' ? { kind: 'card-cancelled' } : null,
  );
  const settledRef = useRef(onSettled);
  useEffect(() => {
    settledRef.current = onSettled;
  });

  useEffect(() => {
    if (!Number.isSafeInteger(purchaseId) || purchaseId <= 0) return;
    let stop = false;
    if (checkout === 'cancelled') {
      void apiFetch(`/api/billing/purchases/${purchaseId}/cancel`, { method: 'POST' })
        .catch(() => undefined)
        .then(() => !stop && settledRef.current());
      return () => {
        stop = true;
      };
    }
    if (checkout !== 'success') return;
    const deadline = Date.now() + WAIT_MS;
    const poll = async () => {
      while (!stop) {
        const { purchase } = await apiFetch<{ purchase: Purchase }>(`/api/billing/purchases/${purchaseId}`).catch(() => ({ purchase: null }));
        if (stop) return;
        if (purchase && purchase.status !== 'pending') {
          setNotice(purchase.status === 'paid' ? { kind: 'paid', purchase } : { kind: 'problem', text: purchase.problem ?? `The purchase is ${purchase.status}.` });
          settledRef.current();
          return;
        }
        if (Date.now() > deadline) {
          setNotice({ kind: 'slow' });
          return;
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    };
    void poll();
    return () => {
      stop = true;
    };
  }, [checkout, purchaseId]);

  if (!notice) return null;
  const dismiss = (
    <button type="button" className="btn btn-secondary btn-small" onClick={() => { setNotice(null); window.history.replaceState(null, '', '/billing'); }}>
      Dismiss
    </button>
  );
  switch (notice.kind) {
    case 'pending':
      return (
        <div role="status" className="alert alert-info" data-testid="checkout-pending">
          <p className="alert-title">Payment received: waiting for Stripe to confirm it</p>
          <p>Your credits appear here as soon as Stripe confirms the payment, usually within seconds.</p>
        </div>
      );
    case 'slow':
      return (
        <div role="status" className="alert alert-warning" data-testid="checkout-pending">
          <p className="alert-title">Still waiting for Stripe</p>
          <p>The payment has not been confirmed yet. You can leave this page: the credits are added when it is, and the purchase below shows its state.</p>
          {dismiss}
        </div>
      );
    case 'paid':
      return (
        <div role="status" className="alert alert-success" data-testid="checkout-success">
          <p className="alert-title">Thank you: {formatCredits(notice.purchase.credits)} added</p>
          <p>
            {notice.purchase.packName}, {notice.purchase.amountFormatted}. Receipt {notice.purchase.receiptNumber}.
          </p>
          {dismiss}
        </div>
      );
    case 'problem':
      return (
        <div role="alert" className="alert alert-error" data-testid="checkout-problem">
          <p className="alert-title">The purchase was not credited</p>
          <p>{notice.text}</p>
          {dismiss}
        </div>
      );
    case 'cancelled':
      return (
        <div role="status" className="alert alert-warning" data-testid="checkout-cancelled">
          <p className="alert-title">Checkout cancelled</p>
          <p>Nothing was charged and no credits were added.</p>
          {dismiss}
        </div>
      );
    case 'card-saved':
      return (
        <div role="status" className="alert alert-success" data-testid="card-saved">
          <p className="alert-title">Card saved for auto top-up</p>
          <p>Auto top-up charges this card when the balance falls below your threshold.</p>
          {dismiss}
        </div>
      );
    case 'card-cancelled':
      return (
        <div role="status" className="alert alert-warning" data-testid="card-cancelled">
          <p className="alert-title">No card saved</p>
          <p>Auto top-up can&apos;t charge until a card is saved: save the settings again to add one.</p>
          {dismiss}
        </div>
      );
  }
}
