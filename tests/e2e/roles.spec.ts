import { expect, test } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

test('a USER sees a clear "no access" page', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('User Co'));
  const username = await api.user('USER', customer.id);
  await api.dispose();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(username, PASSWORD);
  await expect(page.getByRole('heading', { name: 'No access to the admin dashboard' })).toBeVisible();
  await expect(page.getByRole('tab')).toHaveCount(0);
  await screenshot(page, 'no-access');
  await expectAccessible(page);
});

test('a CUSTOMER_ADMIN sees and credits only its own customer', async ({ page }) => {
  const api = await adminApi();
  const mine = await api.customer(unique('Tenant Own'));
  await api.customer(unique('Tenant Other'));
  const username = await api.user('CUSTOMER_ADMIN', mine.id);
  await api.dispose();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(username, PASSWORD);
  const adminPage = new AdminPage(page);
  await expect(adminPage.customerRow(mine.name)).toBeVisible();
  await expect(page.getByRole('table', { name: undefined }).locator('tbody tr')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Create customer' })).toHaveCount(0);
  await adminPage.openAddCredits(mine.name);
  await adminPage.addCredits('15', 'Tenant admin top-up');
  await expect(adminPage.dialog.getByRole('status')).toContainText('New balance: 15 credits');
  await adminPage.dialog.getByRole('button', { name: 'Done' }).click();
  await expect(adminPage.balanceCell(mine.name)).toHaveText('15');
});

test('wrong password shows a clear error; sign-out returns to the login page', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Signout Co'));
  const username = await api.user('CUSTOMER_ADMIN', customer.id);
  await api.dispose();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(username, 'wrong password');
  await login.expectError('Invalid username or password.');
  await expect(page.getByRole('alert').filter({ hasText: 'Invalid' })).toBeFocused();
  await login.signIn(username, PASSWORD);
  await expect(page).toHaveURL(/\/admin/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login/);
});

test('after too many failed sign-ins the login page says so, and the right password is refused until the window passes', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Throttle Co'));
  const username = await api.user('CUSTOMER_ADMIN', customer.id);
  await api.dispose();
  const login = new LoginPage(page);
  await login.goto();
  // The e2e server uses the default limit: 10 failed attempts per username per 15 minutes.
  for (let i = 0; i < 10; i++) {
    await login.signIn(username, `wrong password ${i}`);
    await login.expectError('Invalid username or password.');
  }
  await login.signIn(username, PASSWORD);
  await login.expectError(/Too many failed sign-in attempts\. Try again in \d+ minutes?\./);
  await expect(page).toHaveURL(/\/login/);
  await screenshot(page, 'login-throttled');
});
