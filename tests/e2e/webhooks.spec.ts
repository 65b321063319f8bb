import { expect, test, type Page } from '@playwright/test';
import { startReceiver } from '../support/webhook-receiver';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

async function noSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
}

test('the Webhooks tab: create with the event picker, copy-once secret, test delivery, retry, delete', async ({ page }) => {
  const receiver = await startReceiver();
  try {
    const api = await adminApi();
    const customer = await api.customer(unique('Hooked Co'));
    await api.dispose();

    await new LoginPage(page).goto('/admin?tab=webhooks');
    await new LoginPage(page).signIn(admin().username, admin().password);
    await expect(page.getByRole('tab', { name: 'Webhooks' })).toHaveAttribute('aria-selected', 'true');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add webhook' });
    await dialog.getByLabel('Endpoint URL').fill(receiver.url);
    await dialog.getByRole('combobox', { name: 'Customer ID' }).fill(customer.name);
    await page.getByRole('option', { name: new RegExp(customer.name) }).click();
    await dialog.getByRole('checkbox', { name: /credit_transaction\.created/ }).check();
    await screenshot(page, 'webhooks-create-1280');
    await dialog.getByRole('button', { name: 'Create webhook' }).click();

    const secretDialog = page.getByRole('dialog', { name: 'Webhook created' });
    const secret = (await secretDialog.getByLabel('Signing secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret;
    await screenshot(page, 'webhooks-secret-1280');
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    await expect(secretDialog).toBeHidden();

    await page.getByRole('button', { name: `Deliveries of ${receiver.url}` }).click();
    const deliveries = page.getByRole('dialog', { name: 'Webhook deliveries' });
    await deliveries.getByRole('button', { name: 'Send test event' }).click();
    const row = deliveries.locator('tbody tr').first();
    await expect(row).toContainText('webhook.test');
    await expect(row).toContainText('succeeded');
    await expect(row.locator('td').nth(3)).toHaveText('200');
    expect(receiver.received[0]?.verified?.type).toBe('webhook.test');
    await row.getByRole('button', { name: /Retry delivery/ }).click();
    await expect(row.locator('td').nth(2)).toHaveText('2');
    await screenshot(page, 'webhooks-deliveries-1280', { docs: true });
    await expectAccessible(page);

    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'webhooks-deliveries-390');
    await noSidewaysScroll(page);
    await deliveries.getByRole('button', { name: 'Delete webhook' }).click();
    await expect(deliveries).toBeHidden();
    const confirm = page.getByRole('dialog', { name: 'Delete this webhook?' });
    await confirm.getByRole('button', { name: 'Delete webhook' }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Deleted the webhook' })).toBeVisible();
    await expect(page.getByRole('button', { name: `Deliveries of ${receiver.url}` })).toHaveCount(0);
    await screenshot(page, 'webhooks-tab-390');
    await noSidewaysScroll(page);
  } finally {
    await receiver.close();
  }
});

test('the header bell shows a low-balance alert with its unread count; the threshold is edited in the customer form', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Alerted Co'));
  const username = await api.user('CUSTOMER_ADMIN', customer.id);
  await api.credits(customer.id, 60, 'start');
  await api.deduct(customer.id, 20, 'below the default threshold of 50');
  await api.dispose();

  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(username, PASSWORD);
  const bell = page.getByRole('button', { name: 'Notifications, 1 unread' });
  await expect(bell).toBeVisible();
  await bell.click();
  // exact: the toasts' own region is "Notifications alt+T".
  const panel = page.getByRole('region', { name: 'Notifications', exact: true });
  await expect(panel).toContainText(`Low balance: ${customer.name}`);
  await expect(panel).toContainText('40 credits left');
  await screenshot(page, 'bell-open-1280', { docs: true });
  await expectAccessible(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'bell-open-390');
  await noSidewaysScroll(page);
  await panel.getByRole('button', { name: 'Mark all read' }).click();
  await expect(page.getByRole('button', { name: 'Notifications', exact: true })).toBeVisible();

  // The customer's own admin sets its threshold on the customer page (the rest of the customer is the SUPER_ADMIN's).
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/admin/customers/${customer.id}`);
  await expect(page.getByTestId('low-balance-threshold')).toHaveText('Low-balance alert below 50 credits (the platform default).');
  await page.getByRole('button', { name: 'Change alert' }).click();
  const alertForm = page.getByRole('dialog', { name: 'Low-balance alert' });
  await alertForm.getByLabel('Low-balance threshold').fill('-5');
  await alertForm.getByRole('button', { name: 'Save threshold' }).click();
  await expect(alertForm.getByText('Low-balance threshold must be at least 0').first()).toBeVisible();
  await alertForm.getByLabel('Low-balance threshold').fill('30');
  await alertForm.getByRole('button', { name: 'Save threshold' }).click();
  await expect(alertForm).toBeHidden();
  await expect(page.getByTestId('low-balance-threshold')).toHaveText('Low-balance alert below 30 credits.');
  await expectAccessible(page);

  // The SUPER_ADMIN sets the customer's own threshold in the customer form.
  await page.context().clearCookies();
  await page.setViewportSize({ width: 1280, height: 900 });
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  await page.getByRole('searchbox').first().fill(customer.name);
  await page.getByRole('button', { name: new RegExp(`Edit ${customer.name}`) }).first().click();
  const form = page.getByRole('dialog', { name: `Edit ${customer.name}` });
  const threshold = form.getByLabel('Low-balance threshold');
  await expect(threshold).toHaveValue('30');
  await threshold.fill('100');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form).toBeHidden();
  await page.getByRole('button', { name: new RegExp(`Edit ${customer.name}`) }).first().click();
  await expect(page.getByRole('dialog', { name: `Edit ${customer.name}` }).getByLabel('Low-balance threshold')).toHaveValue('100');
});

test('an endpoint disabled after failing is enabled again with its button', async ({ page }) => {
  // The delivery job's passes and the backoff between failures decide how soon that is on a busy machine.
  test.setTimeout(120_000);
  const api = await adminApi();
  const customer = await api.customer(unique('Dead Hook Co'));
  // Nothing listens on port 9: every attempt fails, and the server's WEBHOOK_DISABLE_AFTER_SECONDS is 3.
  const { webhook } = await api.webhook({ url: `http://127.0.0.1:9/${Date.now()}`, events: ['credit_transaction.created'], customerId: customer.id });
  await api.credits(customer.id, 5, 'to a dead endpoint');
  await expect.poll(() => api.webhookEnabled(webhook.id), { timeout: 90_000, intervals: [1_000] }).toBe(false);
  await api.dispose();

  await new LoginPage(page).goto('/admin?tab=webhooks');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const enable = page.getByRole('button', { name: `Enable ${webhook.url}` });
  const row = page.getByRole('row').filter({ hasText: webhook.url });
  await expect(row).toContainText('Disabled');
  await expect(row).toContainText('Kept failing');
  await screenshot(page, 'webhooks-disabled-1280');
  await enable.click();
  await expect(page.getByRole('status').filter({ hasText: `Enabled ${webhook.url} again` })).toBeVisible();
  await expect(row).toContainText('Enabled');
  await expect(enable).toHaveCount(0);
});
