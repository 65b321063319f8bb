import { expect, request, test } from '@playwright/test';
import { ApiKeysPage } from './pages/api-keys-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, screenshot, unique } from './support';

/** Whether the key works: GET the customer with only `Authorization: Bearer`. */
async function keyStatus(key: string, customerId: number): Promise<number> {
  const ctx = await request.newContext({ baseURL: process.env.E2E_BASE_URL, extraHTTPHeaders: { authorization: `Bearer ${key}` } });
  const res = await ctx.get(`/api/admin/customers/${customerId}`);
  await ctx.dispose();
  return res.status();
}

const noSidewaysScroll = async (page: import('@playwright/test').Page) =>
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling').toBeLessThanOrEqual(page.viewportSize()!.width);

test('API keys: create with a permission picker, copy the key once, see it used, revoke it', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const api = await adminApi();
  const customer = await api.customer(unique('Keys Co'));
  await api.dispose();

  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const keys = new ApiKeysPage(page);
  await keys.open();
  await expect(page).toHaveURL(/tab=api-keys/);

  const name = unique('Billing sync');
  const secret = await keys.create({ name, customerId: customer.id, permissions: ['customers.read', 'credits.read'] });
  expect(secret).toMatch(/^rtk_[A-Za-z0-9_-]{43}$/);
  await expect(keys.dialog).toContainText('This is the only time the API key is shown');
  await keys.dialog.getByRole('button', { name: 'Copy key' }).click();
  await expect(keys.dialog.getByRole('status').filter({ hasText: 'Copied to the clipboard.' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await screenshot(page, 'api-keys-created', { docs: true });
  await expectAccessible(page);
  await keys.dialog.getByRole('button', { name: 'Done' }).click();
  await expect(keys.dialog).toBeHidden();

  // Shown once: the list has the prefix, never the key.
  const row = keys.row(name);
  await expect(row).toContainText(secret.slice(0, 12));
  await expect(row).toContainText('customers.read, credits.read');
  await expect(row).toContainText('Never');
  expect(await page.content()).not.toContain(secret.slice(12));

  expect(await keyStatus(secret, customer.id)).toBe(200);
  await page.reload();
  await expect(keys.row(name)).not.toContainText('Never');
  await expect(keys.row(name)).toContainText('Active');
  await screenshot(page, 'api-keys-tab', { docs: true });
  await noSidewaysScroll(page);

  await keys.revoke(name);
  await expect(page.getByRole('status').filter({ hasText: 'was revoked' })).toBeVisible();
  await expect(keys.row(name)).toContainText('Revoked');
  await expect(keys.row(name).getByRole('button', { name: /Revoke/ })).toHaveCount(0);
  expect(await keyStatus(secret, customer.id)).toBe(401);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/admin?tab=api-keys');
  await expect(keys.table).toBeVisible();
  await noSidewaysScroll(page);
  await screenshot(page, 'api-keys-tab-mobile');
  await page.getByRole('button', { name: 'Create API key' }).click();
  await expect(keys.dialog.getByRole('checkbox', { name: 'credits.add' })).toBeVisible();
  await noSidewaysScroll(page);
  await screenshot(page, 'api-keys-create-mobile');
});
