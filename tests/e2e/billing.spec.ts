import { expect, test } from '@playwright/test';
import { startServer } from '../support/server';
import { LoginPage } from './pages/login-page';
import { BillingPage, billingApi, stripeControl } from './pages/billing-page';
import { admin, adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

/**
 * Buying credits in the browser: the billing page, Stripe's hosted Checkout page (the fake's), the
 * return to /billing in each state, the receipt; and the page of an installation without Stripe.
 */

const base = () => process.env.E2E_BASE_URL!;

async function customerAdmin(packCredits = 100) {
  const api = await adminApi();
  const customer = await api.customer(unique('Billing Co'));
  const username = await api.user('CUSTOMER_ADMIN', customer.id);
  await api.dispose();
  const su = await billingApi(base(), admin().username, admin().password);
  const { pack } = await su.post('/api/admin/credit-packs', { name: unique('Starter'), credits: packCredits, unitAmount: 1000, currency: 'usd' });
  await su.dispose();
  return { customer, username, pack: pack as { id: number; name: string } };
}

test('a customer admin buys a pack through Checkout, is credited on return and prints the receipt', async ({ page }) => {
  const { username, pack } = await customerAdmin();
  await new LoginPage(page).goto('/billing');
  await new LoginPage(page).signIn(username, PASSWORD);
  const billing = new BillingPage(page);
  await expect(page.getByRole('heading', { name: 'Billing', level: 1 })).toBeVisible();
  await expect(billing.balance).toHaveText('0 credits');
  await expect(page.getByText('No purchases yet.')).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'billing-1280');

  await billing.buyButton(pack.name).click();
  await expect(page).toHaveURL(new RegExp(`^${process.env.E2E_STRIPE_URL}/checkout/cs_test_`));
  await expect(page.getByText('$10.00').first()).toBeVisible();
  await page.getByRole('button', { name: 'Pay' }).click();

  await expect(page).toHaveURL(/\/billing\?checkout=success&purchase=\d+/);
  await expect(page.getByTestId('checkout-success')).toContainText('Thank you: 100 credits added');
  await expect(billing.balance).toHaveText('100 credits');
  await expect(page.getByTestId('billing-paid')).toHaveText('100 credits');
  const row = billing.purchaseRow(pack.name);
  await expect(row).toContainText('Paid');
  await expect(row).toContainText('$10.00');
  await expectAccessible(page);
  await screenshot(page, 'billing', { docs: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'billing-paid-390');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 800 });

  await row.getByRole('link', { name: /^RT-/ }).click();
  await expect(page.getByRole('heading', { name: /^Receipt RT-\d{4}-\d{6}$/ })).toBeVisible();
  await expect(page.getByTestId('receipt-amount')).toContainText('$10.00 (USD)');
  await expect(page.getByText(pack.name)).toBeVisible();
  await expect(page.getByText(/^pi_/)).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'receipt-1280');
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByRole('button', { name: 'Print' })).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'receipt-390');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('leaving Checkout by Cancel comes back to a plain "cancelled", and nothing is charged', async ({ page }) => {
  const { username, pack } = await customerAdmin();
  await new LoginPage(page).goto('/billing');
  await new LoginPage(page).signIn(username, PASSWORD);
  const billing = new BillingPage(page);
  await billing.buyButton(pack.name).click();
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(/\/billing\?checkout=cancelled&purchase=\d+/);
  await expect(page.getByTestId('checkout-cancelled')).toContainText('Nothing was charged');
  await expect(billing.purchaseRow(pack.name)).toContainText('Cancelled');
  await expect(billing.balance).toHaveText('0 credits');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'billing-cancelled-390');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('a return before Stripe has confirmed shows "waiting", then the credits when the webhook arrives', async ({ page }) => {
  const { username, pack } = await customerAdmin();
  const buyer = await billingApi(base(), username, PASSWORD);
  const { url, purchaseId } = await buyer.post<{ url: string; purchaseId: number }>('/api/billing/checkout', { packId: pack.id });
  await buyer.dispose();
  // A delayed payment: the session completes unpaid, so the buyer is back before the money is.
  const sessionId = new URL(url).pathname.split('/').pop()!;
  await stripeControl('complete-checkout', { sessionId, async: true });

  await new LoginPage(page).goto(`/billing?checkout=success&purchase=${purchaseId}`);
  await new LoginPage(page).signIn(username, PASSWORD);
  const billing = new BillingPage(page);
  await expect(page.getByTestId('checkout-pending')).toContainText('waiting for Stripe to confirm');
  await expect(billing.balance).toHaveText('0 credits');
  await screenshot(page, 'billing-pending-1280');
  await stripeControl('succeed-async-payment', { sessionId });
  await expect(page.getByTestId('checkout-success')).toContainText('100 credits added');
  await expect(billing.balance).toHaveText('100 credits');
});

test('without STRIPE_SECRET_KEY the page says plainly that buying is off, and everything else works', async ({ page }) => {
  const server = await startServer();
  try {
    const api = await billingApi(server.baseUrl, server.adminUsername, server.adminPassword);
    const { customer } = await api.post('/api/admin/customers', { name: unique('No Stripe Co') });
    await api.post('/api/admin/credits/add', { customerId: customer.id, amount: 25, description: 'Setup' });
    const username = unique('ca').replace(/ /g, '_');
    await api.post('/api/admin/users', { username, password: PASSWORD, role: 'CUSTOMER_ADMIN', customerId: customer.id });
    await api.post('/api/admin/credit-packs', { name: 'Starter', credits: 100, unitAmount: 1000, currency: 'usd' });
    await api.dispose();
    await page.goto(`${server.baseUrl}/login?callbackUrl=%2Fbilling`);
    await new LoginPage(page).signIn(username, PASSWORD);
    await expect(page.getByTestId('buying-off')).toContainText('Buying is off');
    await expect(page.getByTestId('billing-balance')).toHaveText('25 credits');
    await expect(page.getByTestId('billing-promotional')).toHaveText('25 credits');
    await expect(page.getByRole('button', { name: /^Buy Starter:/ })).toBeDisabled();
    await expectAccessible(page);
    await screenshot(page, 'billing-buying-off-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'billing-buying-off-390');
  } finally {
    await server.stop();
  }
});

test('a SUPER_ADMIN sees every customer’s purchases in the dashboard', async ({ page }) => {
  const { username, pack, customer } = await customerAdmin();
  const buyer = await billingApi(base(), username, PASSWORD);
  const { url } = await buyer.post<{ url: string }>('/api/billing/checkout', { packId: pack.id });
  await buyer.dispose();
  await stripeControl('complete-checkout', { sessionId: new URL(url).pathname.split('/').pop()! });
  await new LoginPage(page).goto('/admin?tab=purchases');
  await new LoginPage(page).signIn(admin().username, admin().password);
  await expect(page.getByRole('tab', { name: 'Purchases' })).toHaveAttribute('aria-selected', 'true');
  await page.getByLabel('Customer ID').fill(String(customer.id));
  const table = page.getByRole('region', { name: 'Purchases of every customer' });
  await expect(table.getByRole('row').filter({ hasText: customer.name })).toContainText('Paid');
  await expectAccessible(page);
  await screenshot(page, 'admin-purchases-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'admin-purchases-390');
});

test('three declined auto top-ups in a row: it switches itself off and the billing page tells the admins', async ({ page }) => {
  const { username, pack, customer } = await customerAdmin();
  // Above the threshold first: saving a card while below it would top up at once.
  const api = await adminApi();
  await api.credits(customer.id, 60);
  await api.dispose();
  const buyer = await billingApi(base(), username, PASSWORD);
  const { url } = await buyer.put<{ url: string }>('/api/billing/auto-top-up', { enabled: true, thresholdCredits: 50, packId: pack.id, monthlyLimit: 5 });
  const setup = await stripeControl<{ customer: string }>('complete-checkout', { sessionId: new URL(url).pathname.split('/').pop()! });
  await stripeControl('set-card', { customerId: setup.customer, card: 'declining' });
  await buyer.post('/api/admin/credits/deduct', { customerId: customer.id, amount: 20, description: 'Look-ups' });
  await buyer.dispose();

  await new LoginPage(page).goto('/billing');
  await new LoginPage(page).signIn(username, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Billing', level: 1 })).toBeVisible();
  // The server's job charges every second (retries at once here): three declines, then off.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('auto-top-up-off')).toContainText('switched itself off after 3 failed charges', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Purchases table' }).getByRole('row').filter({ hasText: 'Failed' })).toHaveCount(3);
  await expect(page.getByTestId('billing-balance')).toHaveText('40 credits');
  await expectAccessible(page);
  await screenshot(page, 'billing-auto-top-up-off-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'billing-auto-top-up-off-390');
});
