import { expect, test } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, screenshot, unique } from './support';

test("the guide's walkthrough: sign in, Customers tab, Add Credits, new balance, audit trail", async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Walkthrough Co'));
  await api.dispose();

  // 1. Log in as a super admin: visiting /admin signed out goes to /login and comes back.
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin/);
  await screenshot(page, 'login');
  await new LoginPage(page).signIn(admin().username, admin().password);
  await expect(page).toHaveURL(/\/admin/);

  // 2.-3. The Customers tab with the customer's row and its credit columns.
  const adminPage = new AdminPage(page);
  await adminPage.openTab('Customers');
  for (const header of ['Customer', 'Status', 'Users', 'Credit balance', 'Total purchased', 'Total used', 'Total searches', 'Created', 'Actions']) {
    await expect(page.getByRole('columnheader', { name: header })).toBeVisible();
  }
  await adminPage.searchCustomers(customer.name);
  const row = adminPage.customerRow(customer.name);
  await expect(row).toBeVisible();
  await expect(row).toContainText(`ID ${customer.id}`);
  await expect(row).toContainText('Active');
  await expect(adminPage.balanceCell(customer.name)).toHaveText('0');
  await screenshot(page, 'customers-tab', { docs: true });

  // 4. Click "Add Credits" in the row: the dialog shows the customer and the current balance.
  const addButton = row.getByRole('button', { name: 'Add Credits' });
  await expect(addButton).toHaveCSS('background-color', 'rgb(20, 119, 58)'); // the guide's green button
  await addButton.click();
  await expect(adminPage.dialog).toBeVisible();
  await expect(adminPage.dialog.getByRole('heading', { name: 'Add Credits' })).toBeVisible();
  await expect(adminPage.dialog).toContainText(customer.name);
  await expect(adminPage.dialog).toContainText('0 credits');
  await expect(adminPage.dialog).toContainText(/audit trail/i);
  await expect(adminPage.dialog).toContainText(/cannot be deleted/i);

  // 5.-6. Amount and description, submit: success with the new balance, the row refreshed in place.
  await adminPage.amount.fill('100');
  await adminPage.description.fill('Demo account credits for prospect evaluation');
  await screenshot(page, 'add-credits-modal', { docs: true });
  await adminPage.submit.click();
  const success = adminPage.dialog.getByRole('status');
  await expect(success).toContainText('Credits added successfully');
  await expect(success).toContainText('New balance: 100 credits');
  await screenshot(page, 'add-credits-success');
  await adminPage.dialog.getByRole('button', { name: 'Done' }).click();
  await expect(adminPage.dialog).toBeHidden();
  await expect(addButton).toBeFocused();
  await expect(adminPage.balanceCell(customer.name)).toHaveText('100');
  await expect(row).toContainText('100');

  // The transaction in the Transactions tab, with the audit details.
  await adminPage.openTab('Transactions');
  await page.getByLabel('Customer ID').fill(String(customer.id));
  const tx = page.getByRole('row').filter({ hasText: '[ADMIN] Demo account credits for prospect evaluation (Added by: admin)' });
  await expect(tx).toBeVisible();
  await expect(tx).toContainText('+100');
  await expect(tx).toContainText('0 → 100');
  await expect(tx).toContainText(/MANUAL_ADMIN_\d+_\d+/);
  await screenshot(page, 'transactions-tab', { docs: true });
});

test('Add Credits validates in the dialog before anything is sent', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Validation Co'));
  await api.credits(customer.id, 5);
  await api.dispose();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  await adminPage.openAddCredits(customer.name);
  await expect(adminPage.dialog).toContainText('5 credits');
  await expect(adminPage.amount).toBeFocused();

  const requests: string[] = [];
  page.on('request', (r) => r.url().includes('/api/admin/credits/add') && requests.push(r.url()));
  const amountError = adminPage.dialog.locator('.field-error').first();
  const cases: Array<[string, string]> = [
    ['0', 'at least 1'],
    ['10001', 'Maximum 10,000 credits'],
    ['1.5', 'whole number'],
    ['1e3', 'whole number'],
    [' 100 ', 'whole number'],
  ];
  for (const [value, message] of cases) {
    await adminPage.amount.fill(value);
    await adminPage.description.fill('Some reason');
    await adminPage.submit.click();
    await expect(amountError).toContainText(message);
    await expect(adminPage.amount).toHaveAttribute('aria-invalid', 'true');
  }
  await adminPage.amount.fill('10');
  await adminPage.description.fill('   ');
  await adminPage.submit.click();
  await expect(adminPage.dialog.getByText('Enter a reason for the audit trail')).toBeVisible();
  await screenshot(page, 'add-credits-validation');
  expect(requests).toEqual([]);

  await page.keyboard.press('Escape');
  await expect(adminPage.dialog).toBeHidden();
  await expect(adminPage.balanceCell(customer.name)).toHaveText('5');
});

test('a double click on Add Credits credits once', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Double Click Co'));
  await api.dispose();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  await adminPage.openAddCredits(customer.name);
  await adminPage.amount.fill('40');
  await adminPage.description.fill('Double click');
  await adminPage.submit.dblclick();
  await expect(adminPage.dialog.getByRole('status')).toContainText('New balance: 40 credits');
  await adminPage.dialog.getByRole('button', { name: 'Done' }).click();
  await expect(adminPage.balanceCell(customer.name)).toHaveText('40');
  await page.reload();
  await adminPage.searchCustomers(customer.name);
  await expect(adminPage.balanceCell(customer.name)).toHaveText('40');
});

test('an API error in the dialog shows its error and details', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Error Co'));
  await api.dispose();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  await adminPage.openAddCredits(customer.name);
  // The server refuses a description over 500 characters even if the textarea limit were bypassed.
  await adminPage.description.evaluate((el) => el.removeAttribute('maxlength'));
  await adminPage.addCredits('5', 'x'.repeat(501));
  const alert = adminPage.dialog.getByRole('alert');
  await expect(alert).toContainText('Credits were not added');
  await expect(alert).toContainText('Description must be at most 500 characters');
  await expectAccessible(page);
});
