import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, screenshot, unique } from './support';

test.beforeEach(async ({ page }) => {
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  await expect(page).toHaveURL(/\/admin/);
});

test('a super admin creates a customer and edits it', async ({ page }) => {
  const adminPage = new AdminPage(page);
  const name = unique('Created In UI');
  await page.getByRole('button', { name: 'Create customer' }).click();
  const dialog = adminPage.dialog;
  await expect(dialog.getByRole('heading', { name: 'Create customer' })).toBeVisible();
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Contact email').fill('not-an-email');
  await dialog.getByRole('button', { name: 'Create customer' }).click();
  await expect(dialog.getByText('Contact email must be a valid email address')).toBeVisible();
  await dialog.getByLabel('Contact email').fill('ops@example.com');
  await dialog.getByLabel('Max users').fill('3');
  await dialog.getByRole('button', { name: 'Create customer' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: `Created customer ${name}.` })).toBeVisible();

  await adminPage.searchCustomers(name);
  const row = adminPage.customerRow(name);
  await expect(row).toContainText('0 / 3');
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  await dialog.getByLabel('Status').selectOption('inactive');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('Inactive');
});

test('the Users tab creates users, shows seats and enforces max users', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Seats Co'), { maxUsers: 1 });
  await api.dispose();
  const adminPage = new AdminPage(page);
  await adminPage.openTab('Users');
  await page.getByLabel('Customer ID').fill(String(customer.id));
  await expect(page.getByTestId('seat-info')).toContainText('0 of 1 user seats in use');

  const createUser = async (username: string) => {
    await page.getByRole('button', { name: 'Create user' }).click();
    await adminPage.dialog.getByLabel('Username').fill(username);
    await adminPage.dialog.getByLabel('Password').fill('long enough password');
    await adminPage.dialog.getByLabel('Role').selectOption('USER');
    await expect(adminPage.dialog.getByLabel('Customer ID')).toHaveValue(String(customer.id));
    await adminPage.dialog.getByRole('button', { name: 'Create user' }).click();
  };
  const first = unique('seat_one').replace(/ /g, '_');
  await createUser(first);
  await expect(adminPage.dialog).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: first })).toContainText('Active');
  await expect(page.getByTestId('seat-info')).toContainText('1 of 1 user seats in use');

  const second = unique('seat_two').replace(/ /g, '_');
  await createUser(second);
  await expect(adminPage.dialog.getByRole('alert')).toContainText('User limit reached');
  await adminPage.dialog.getByRole('button', { name: 'Cancel' }).click();
  await screenshot(page, 'users-limit');

  await page.getByRole('row').filter({ hasText: first }).getByRole('button', { name: `Deactivate ${first}` }).click();
  // Deactivation asks first; the dialog names the user and the effect.
  await expect(adminPage.dialog).toContainText(`Deactivate ${first}?`);
  await adminPage.dialog.getByRole('button', { name: 'Deactivate', exact: true }).click();
  await expect(page.getByRole('row').filter({ hasText: first })).toContainText('Inactive');
  await expect(page.getByTestId('seat-info')).toContainText('0 of 1 user seats in use');
  await createUser(second);
  await expect(adminPage.dialog).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: second })).toBeVisible();
});

test('the Transactions tab filters admin additions and exports the filtered set as CSV', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Audit Co'));
  await api.credits(customer.id, 70, 'Promotional credits for Q4 campaign');
  await api.credits(customer.id, 30, 'Service interruption compensation - Incident #1234');
  await api.dispose();
  const adminPage = new AdminPage(page);
  await adminPage.openTab('Transactions');
  await page.getByLabel('Customer ID').fill(String(customer.id));
  await page.getByLabel('Admin credit additions only').check();
  const rows = page.getByRole('region', { name: 'Transactions table' }).locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Incident #1234'); // newest first
  await expect(rows.first()).toContainText('70 → 100');
  await page.getByLabel('Type').selectOption('usage');
  await expect(page.getByText('No transactions match these filters.')).toBeVisible();
  await page.getByLabel('Type').selectOption('');
  await expect(rows).toHaveCount(2);

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  expect(csv[0]).toBe('id,created_at,customer_id,customer_name,user_id,username,type,amount,balance_before,balance_after,description,payment_id');
  expect(csv).toHaveLength(3);
  expect(csv[1]).toContain('Incident #1234');
  expect(csv[2]).toContain('Promotional credits for Q4 campaign');
});
