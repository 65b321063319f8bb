// `npm run stripe:fake`: a local Stripe for trying payments offline. Reads PORT (default 12111),
// STRIPE_WEBHOOK_URL (e.g. http://localhost:3000/api/webhooks/stripe) and STRIPE_WEBHOOK_SECRET.
// Its Checkout pages have Pay and Cancel buttons; POST /__control/… does what tests do (see the
// FakeStripe interface in tests/support/fake-stripe.ts).
import { startFakeStripe } from '../tests/support/fake-stripe';

async function main() {
  const webhookUrl = process.env.STRIPE_WEBHOOK_URL || undefined;
  const fake = await startFakeStripe({
    port: Number(process.env.PORT || 12111),
    webhookUrl,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || undefined,
    onDelivery: (d) => console.log(`→ ${d.type} ${d.eventId}: ${d.status ?? `failed (${d.error})`}`),
  });
  console.log(`Fake Stripe listening on ${fake.url}

Set these for the app:
  STRIPE_SECRET_KEY=sk_test_fake_local
  STRIPE_API_URL=${fake.url}
  STRIPE_WEBHOOK_SECRET=${fake.webhookSecret}
${webhookUrl ? `Events go to ${webhookUrl}` : 'Events are only recorded: set STRIPE_WEBHOOK_URL to have them delivered.'}`);

  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
