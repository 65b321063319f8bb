import 'server-only';
import Stripe from 'stripe';
import { config } from '../config';
import { AppError } from '../errors';

/**
 * The Stripe client, built from STRIPE_SECRET_KEY and, when set, STRIPE_API_URL (a local server that
 * speaks Stripe's API, e.g. `npm run stripe:fake`). Without a key buying is off: everything else works.
 */
export function buyingEnabled(): boolean {
  return config.stripe.secretKey !== undefined;
}

const clients = new Map<string, Stripe>();

export function stripeClient(): Stripe {
  const { secretKey, apiUrl } = config.stripe;
  if (!secretKey) throw new AppError('unavailable', 'Buying is off', 'This installation has no Stripe key (STRIPE_SECRET_KEY), so credits cannot be bought');
  const cacheKey = `${secretKey}\u0000${apiUrl ?? ''}`;
  let client = clients.get(cacheKey);
  if (!client) {
    const base = apiUrl ? new URL(apiUrl) : undefined;
    client = new Stripe(secretKey, {
      // Retries reuse the request's idempotency key, so a retried create never makes a second object.
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: 'roblox-tool' },
      ...(base && {
        host: base.hostname,
        port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
        protocol: base.protocol === 'https:' ? 'https' : 'http',
      }),
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/** Stripe's event-signature tolerance: a signature older than this is refused (a replay). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The event a webhook request carries, if its `Stripe-Signature` verifies over the raw body with
 * STRIPE_WEBHOOK_SECRET (HMAC-SHA256, within the tolerance). Anything else is a 400.
 */
export function verifiedEvent(payload: string, signature: string | null): Stripe.Event {
  const secret = config.stripe.webhookSecret;
  if (!secret) throw new AppError('unavailable', 'Webhooks are off', 'STRIPE_WEBHOOK_SECRET is not set, so no event can be verified');
  if (!signature) throw new AppError('bad_request', 'Missing signature', 'The Stripe-Signature header is required');
  try {
    // The library's own verification (it needs no API key): constant-time comparison, timestamp tolerance.
    return Stripe.webhooks.constructEvent(payload, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (err) {
    throw new AppError('bad_request', 'Invalid signature', (err as Error).message.split('\n')[0] ?? 'The signature does not verify');
  }
}
