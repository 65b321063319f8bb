import { expect, test, type Page } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

const PHONE = { width: 390, height: 844 };

async function expectNoSidewaysScroll(page: Page, what: string) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${what}: document ${width} px wide at 390 px`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

async function signInAsAdmin(page: Page, path = '/admin') {
  await new LoginPage(page).goto(path);
  await new LoginPage(page).signIn(admin().username, admin().password);
  await expect(page).not.toHaveURL(/\/login/);
}

test('at 390 px no screen or tab scrolls sideways', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Phone Wide Co'), { contactEmail: 'a-rather-long-contact-address@example.com' });
  await api.credits(customer.id, 120, 'Phone layout check');
  await api.dispose();
  await page.setViewportSize(PHONE);
  await page.goto('/login');
  await expectNoSidewaysScroll(page, '/login');
  await screenshot(page, 'login-390');
  await signInAsAdmin(page);
  const tabs = ['Customers', 'Users', 'Transactions', 'Bulk grants', 'Approvals', 'Audit log'];
  for (const name of tabs) {
    await page.getByRole('tab', { name }).click();
    await expect(page.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tabpanel').getByRole('heading').first()).toBeVisible();
    await expectNoSidewaysScroll(page, `tab ${name}`);
    await screenshot(page, `tab-${name.toLowerCase().replace(/ /g, '-')}-390`);
  }
  await page.goto(`/admin/customers/${customer.id}`);
  await expect(page.getByRole('heading', { level: 1, name: customer.name })).toBeVisible();
  await expectNoSidewaysScroll(page, 'customer detail');
  await screenshot(page, 'customer-detail-390');
  await page.goto('/search');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoSidewaysScroll(page, '/search');
  await page.goto('/account/security');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoSidewaysScroll(page, '/account/security');
  await page.goto('/admin/customers/999999999');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expectNoSidewaysScroll(page, 'not found');
});

test('at 390 px the Customers list shows name, balance and Add Credits on screen', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Phone Card Co'));
  await api.credits(customer.id, 75, 'Card layout check');
  await api.dispose();
  await page.setViewportSize(PHONE);
  await signInAsAdmin(page);
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  const row = adminPage.customerRow(customer.name);
  await expect(row).toBeVisible();
  for (const part of [row.getByRole('link', { name: customer.name }), adminPage.balanceCell(customer.name), row.getByRole('button', { name: 'Add Credits' })]) {
    const box = (await part.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, 'inside the 390 px screen').toBeLessThanOrEqual(390);
  }
  await expect(adminPage.balanceCell(customer.name)).toHaveText('75');
  await expectNoSidewaysScroll(page, 'customers');
  await screenshot(page, 'customers-cards-390', { docs: true });
  await expectAccessible(page);
});

test('at 1280 px a customer row keeps Add Credits and Edit on one line', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Wide Row Co'));
  await api.dispose();
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInAsAdmin(page);
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  // Measured once the search has applied: before, the row can move between the two measurements
  // (the unfiltered list, with other suites' customers, is redrawn as the filtered one).
  await expect(page.getByText('Showing 1–1 of 1 customers')).toBeVisible();
  const row = adminPage.customerRow(customer.name);
  const add = (await row.getByRole('button', { name: 'Add Credits' }).boundingBox())!;
  const edit = (await row.getByRole('button', { name: `Edit ${customer.name}` }).boundingBox())!;
  expect(Math.abs(add.y - edit.y)).toBeLessThan(2);
  await screenshot(page, 'customers-1280', { docs: true });
});

test('a success notice is a toast: announced, and gone by itself within 10 s', async ({ page }) => {
  await signInAsAdmin(page);
  const name = unique('Toast Co');
  await page.getByRole('button', { name: 'Create customer' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create customer' }).click();
  const toast = page.getByRole('status').filter({ hasText: `Created customer ${name}.` });
  await expect(toast).toBeVisible();
  // Inside a polite live region, so screen readers read it without moving focus.
  await expect(page.locator('[aria-live="polite"]').filter({ has: toast })).toHaveCount(1);
  await expectAccessible(page);
  await page.mouse.move(0, 0);
  await expect(toast).toHaveCount(0, { timeout: 10_000 });
});

test('role changes and deactivations ask first; Cancel changes nothing', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Confirm Co'));
  const username = await api.user('USER', customer.id);
  await api.dispose();
  await signInAsAdmin(page, '/admin?tab=users');
  await page.getByLabel('Search users').fill(username);
  const row = page.getByRole('row').filter({ hasText: username });
  await expect(row).toHaveCount(1);
  const dialog = page.getByRole('dialog');

  await row.getByLabel(`Role of ${username}`).selectOption('CUSTOMER_ADMIN');
  await expect(dialog).toContainText(`Change ${username} from User to Customer admin?`);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expectAccessible(page);
  await screenshot(page, 'confirm-role-change');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByLabel(`Role of ${username}`)).toHaveValue('USER');

  await row.getByLabel(`Role of ${username}`).selectOption('CUSTOMER_ADMIN');
  await dialog.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${username} is now Customer admin.` })).toBeVisible();
  await expect(row.getByLabel(`Role of ${username}`)).toHaveValue('CUSTOMER_ADMIN');

  await row.getByRole('button', { name: `Deactivate ${username}` }).click();
  await expect(dialog).toContainText(`Deactivate ${username}?`);
  await page.keyboard.press('Escape');
  await expect(row).toContainText('Active');
  await row.getByRole('button', { name: `Deactivate ${username}` }).click();
  await dialog.getByRole('button', { name: 'Deactivate', exact: true }).click();
  await expect(row).toContainText('Inactive');
});

test('404 pages keep the header and offer the way back; another tenant\'s customer is a 404 too', async ({ page }) => {
  const api = await adminApi();
  const mine = await api.customer(unique('Own Tenant'));
  const other = await api.customer(unique('Other Tenant'));
  const username = await api.user('CUSTOMER_ADMIN', mine.id);
  await api.dispose();
  await signInAsAdmin(page);
  const missing = await page.goto('/admin/customers/999999999');
  expect(missing!.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, 'not-found');
  await page.getByRole('link', { name: 'Back to the dashboard' }).click();
  await expect(page).toHaveURL(/\/admin$/);

  await page.context().clearCookies();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(username, PASSWORD);
  await expect(new AdminPage(page).customerRow(mine.name)).toBeVisible();
  const foreign = await page.goto(`/admin/customers/${other.id}`);
  expect(foreign!.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByText(other.name)).toHaveCount(0);

  const unknown = await page.goto('/no-such-page');
  expect(unknown!.status()).toBe(404);
  await expect(page.getByRole('link', { name: 'Back to the dashboard' })).toBeVisible();
});

test('times show in the viewer\'s zone with UTC on hover; the app has a favicon', async ({ browser }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Zone Co'));
  await api.credits(customer.id, 10, 'Time zone check');
  await api.dispose();
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  await signInAsAdmin(page, `/admin/customers/${customer.id}`);
  const time = page.getByRole('table', { name: undefined }).locator('time').first();
  await expect(time).toHaveAttribute('title', /UTC/);
  await expect(time).toHaveText(/GMT\+9/);
  const icon = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(icon).toContain('icon');
  expect((await page.request.get(icon!)).ok()).toBeTruthy();
  await context.close();
});
