import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { receiveStripeEvent } from '@/app/lib/billing';
import type { Db } from '@/app/lib/db/types';
import { AppError } from '@/app/lib/errors';
import { startFakeStripe, type FakeStripe } from './fake-stripe';

/**
 * The app's billing code against the fake Stripe, in-process: STRIPE_* point at the fake, and the
 * fake's webhook deliveries reach `receiveStripeEvent` (what POST /api/webhooks/stripe calls) with
 * the raw body and signature, answered as the route answers (200, or the error's status).
 */
export interface BillingHarness {
  fake: FakeStripe;
  /** Every webhook answer so far: status and body. */
  answers: Array<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startBillingHarness(db: Db): Promise<BillingHarness> {
  const answers: BillingHarness['answers'] = [];
  const receiver = http.createServer(async (req, res) => {
    let payload = '';
    for await (const chunk of req) payload += chunk;
    let status = 200;
    let body: unknown;
    try {
      body = await receiveStripeEvent(db, payload, (req.headers['stripe-signature'] as string | undefined) ?? null);
    } catch (err) {
      status = err instanceof AppError ? err.status : 500;
      body = err instanceof AppError ? err.toJSON() : { error: String(err) };
      if (status === 500) console.error('[billing harness] webhook failed:', err);
    }
    answers.push({ status, body });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const fake = await startFakeStripe({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/stripe` });
  const saved = { key: process.env.STRIPE_SECRET_KEY, url: process.env.STRIPE_API_URL, secret: process.env.STRIPE_WEBHOOK_SECRET, retry: process.env.AUTO_TOP_UP_RETRY_SECONDS };
  process.env.STRIPE_SECRET_KEY = 'sk_test_billing_harness';
  process.env.STRIPE_API_URL = fake.url;
  process.env.STRIPE_WEBHOOK_SECRET = fake.webhookSecret;
  // A failed top-up may be retried at once: the tests run the job's passes themselves.
  process.env.AUTO_TOP_UP_RETRY_SECONDS = '0';
  const restore = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
  return {
    fake,
    answers,
    async close() {
      await fake.close();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
      restore('STRIPE_SECRET_KEY', saved.key);
      restore('STRIPE_API_URL', saved.url);
      restore('STRIPE_WEBHOOK_SECRET', saved.secret);
      restore('AUTO_TOP_UP_RETRY_SECONDS', saved.retry);
    },
  };
}
