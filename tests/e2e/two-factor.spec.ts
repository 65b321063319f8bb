import { expect, test } from '@playwright/test';
import { LoginPage } from './pages/login-page';
import { authenticatorCode, SecurityPage } from './pages/security-page';
import { adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

test('a customer admin turns on two-factor sign-in with the QR page, then signs in with a code', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('TwoFactor Co'));
  const username = await api.user('CUSTOMER_ADMIN', customer.id);
  await api.dispose();

  const login = new LoginPage(page);
  await login.goto('/admin');
  await login.signIn(username, PASSWORD);
  await expect(page).toHaveURL(/\/admin/);
  await page.getByRole('link', { name: 'Security' }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();

  const security = new SecurityPage(page);
  await expect(security.twoFactor).toContainText('Off');
  await expect(security.sessions.getByRole('row')).toHaveCount(2); // header + this session
  await expect(security.sessions).toContainText('This session');
  await screenshot(page, 'account-security', { docs: true });
  await expectAccessible(page);

  const secret = await security.startEnrolment();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await screenshot(page, 'two-factor-enrolment');
  await expectAccessible(page);
  // A wrong code is said so beside the field, and nothing is turned on.
  await security.confirm('000000');
  await expect(security.twoFactor.getByText(/wrong or was already used/)).toBeVisible();
  await security.confirm(await authenticatorCode(secret));
  await expect(security.twoFactor.getByRole('status')).toContainText('Two-factor sign-in is on');
  await expect(security.recoveryCodes).toHaveCount(10);
  await screenshot(page, 'two-factor-recovery-codes');
  await security.twoFactor.getByRole('button', { name: 'I saved them' }).click();
  await expect(security.twoFactor).toContainText('10 of 10 recovery codes left');

  // Sign out, and back in: the password alone now leads to the code step.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  await login.goto('/admin');
  await login.signIn(username, PASSWORD);
  const code = page.getByLabel('Authentication code');
  await expect(code).toBeFocused();
  // A fresh, empty field: never the password carried over from the step before.
  await expect(code).toHaveValue('');
  await expect(page.getByText(`Two-factor sign-in is on for ${username}`)).toBeVisible();
  await screenshot(page, 'login-two-factor-code');
  await expectAccessible(page);
  // The code used to turn it on is spent: it is refused.
  await code.fill(await authenticatorCode(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await login.expectError(/wrong or was already used/);
  await code.fill(await authenticatorCode(secret, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/admin/);
  await expect(page.getByRole('tab', { name: 'Customers' })).toBeVisible();
});

test('the security page at 390 px: enrolment and sessions fit the screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const api = await adminApi();
  const customer = await api.customer(unique('Mobile 2FA Co'));
  const username = await api.user('USER', customer.id);
  await api.dispose();
  const login = new LoginPage(page);
  await login.goto('/account/security');
  await login.signIn(username, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  const security = new SecurityPage(page);
  await expect(security.sessions).toContainText('This session');
  await screenshot(page, 'account-security-mobile');
  await security.startEnrolment();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, 'two-factor-enrolment-mobile');
});
