import { expect, test } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, screenshot, unique } from './support';

test('the Audit log tab lists admin actions, filters them and exports the filtered set', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Audit Co'));
  await api.credits(customer.id, 75, 'Audit tab credits');
  await api.dispose();

  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const adminPage = new AdminPage(page);
  await expect(adminPage.tab('Customers')).toBeVisible();
  const tab = page.getByRole('tab', { name: 'Audit log' });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(/tab=audit/);

  const table = page.getByRole('region', { name: 'Audit log table' });
  await expect(table.getByRole('row').nth(1)).toBeVisible();
  await page.getByLabel('Action').selectOption('credits.added');
  await page.getByLabel('Customer ID').fill(String(customer.id));
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Credits added');
  await expect(rows.first()).toContainText(customer.name);
  await expect(rows.first()).toContainText('balance0 → 75');
  await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute('href', `/api/admin/audit/export?action=credits.added&customerId=${customer.id}`);
  await screenshot(page, 'audit-log-tab', { docs: true });
  await expectAccessible(page);

  // Arrow keys reach the new tab like the others (from the tab before it: Approvals since issue 13).
  await page.getByRole('tab', { name: 'Approvals' }).click();
  await page.keyboard.press('ArrowRight');
  await expect(tab).toBeFocused();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/admin?tab=audit');
  await expect(page.getByRole('region', { name: 'Audit log table' })).toBeVisible();
  await screenshot(page, 'audit-log-tab-mobile');
});
