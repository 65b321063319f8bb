import { expect, test } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, screenshot, unique } from './support';

test('the whole Add Credits path works by keyboard alone', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Keyboard Co'));
  await api.dispose();
  await page.goto('/login?callbackUrl=%2Fadmin');
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type(admin().username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(admin().password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/admin/);

  // Tabs: arrow keys move between them.
  const adminPage = new AdminPage(page);
  await adminPage.tab('Customers').focus();
  await page.keyboard.press('ArrowRight');
  await expect(adminPage.tab('Users')).toBeFocused();
  await expect(adminPage.tab('Users')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(adminPage.tab('Customers')).toHaveAttribute('aria-selected', 'true');

  await page.getByLabel('Search customers').focus();
  await page.keyboard.type(customer.name);
  const button = adminPage.customerRow(customer.name).getByRole('button', { name: 'Add Credits' });
  await expect(button).toBeVisible();
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(adminPage.dialog).toBeVisible();
  await expect(adminPage.amount).toBeFocused();

  // Esc closes and focus returns to the button that opened the dialog.
  await page.keyboard.press('Escape');
  await expect(adminPage.dialog).toBeHidden();
  await expect(button).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(adminPage.amount).toBeFocused();
  await page.keyboard.type('250');
  await page.keyboard.press('Tab');
  await expect(adminPage.description).toBeFocused();
  await page.keyboard.type('Keyboard-only top-up');
  // Focus stays inside the dialog: tabbing onward reaches the dialog's own buttons only.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
  }
  await adminPage.submit.focus();
  await page.keyboard.press('Enter');
  await expect(adminPage.dialog.getByRole('status')).toContainText('New balance: 250 credits');
  await expect(adminPage.dialog.getByRole('status')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(adminPage.balanceCell(customer.name)).toHaveText('250');
});

test('no serious or critical axe violations on any screen', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('A11y Co'));
  await api.credits(customer.id, 1234);
  await api.dispose();
  await page.goto('/login');
  await expectAccessible(page);
  await new LoginPage(page).signIn(admin().username, admin().password);
  await expect(page).toHaveURL(/\/admin/);
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  await expect(adminPage.balanceCell(customer.name)).toHaveText('1,234');
  await expectAccessible(page);
  await adminPage.openAddCredits(customer.name);
  await expectAccessible(page);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Create customer' }).click();
  await expect(adminPage.dialog).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'create-customer');
  await page.keyboard.press('Escape');
  await adminPage.openTab('Users');
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'users-tab', { docs: true });
  await adminPage.openTab('Transactions');
  await expect(page.getByRole('heading', { name: 'Transactions' })).toBeVisible();
  await expectAccessible(page);
  await page.goto(`/admin/customers/${customer.id}`);
  await expect(page.getByTestId('detail-balance')).toHaveText('1,234');
  await expect(page.getByRole('img', { name: /Balance over time/ })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'customer-detail', { docs: true });
});

test('usable at 390 px wide: no sideways page scroll, the modal fits', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const api = await adminApi();
  const customer = await api.customer(unique('Mobile Co'));
  await api.dispose();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  await expect(adminPage.customerRow(customer.name)).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, 'customers-mobile', { docs: true });
  await adminPage.customerRow(customer.name).getByRole('button', { name: 'Add Credits' }).click();
  const box = await adminPage.dialog.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(390);
  await screenshot(page, 'add-credits-mobile');
});
