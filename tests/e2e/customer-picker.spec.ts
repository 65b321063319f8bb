import { expect, test } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, screenshot, unique } from './support';

test('the customer combobox: search by name, Arrow keys, Enter, Escape; email and balance tell namesakes apart', async ({ page }) => {
  const name = unique('Acme Twin');
  const api = await adminApi();
  const first = await api.customer(name, { contactEmail: 'first@acme.example' });
  const second = await api.customer(name, { contactEmail: 'second@acme.example' });
  await api.credits(second.id, 40, 'Picker check');
  await api.dispose();
  await new LoginPage(page).goto('/admin?tab=transactions');
  await new LoginPage(page).signIn(admin().username, admin().password);

  const box = page.getByRole('combobox', { name: 'Customer ID' });
  await box.focus();
  await page.keyboard.type(name);
  const list = page.getByRole('listbox', { name: 'Matching customers' });
  await expect(list.getByRole('option')).toHaveCount(2);
  await expect(box).toHaveAttribute('aria-expanded', 'true');
  await expect(list).toContainText('first@acme.example');
  await expect(list).toContainText('second@acme.example · 40 credits');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const activeId = await box.getAttribute('aria-activedescendant');
  await expect(page.locator(`[id="${activeId}"]`)).toContainText('second@acme.example');
  await expect(page.locator(`[id="${activeId}"]`)).toHaveAttribute('aria-selected', 'true');
  await screenshot(page, 'customer-combobox', { docs: true });
  await expectAccessible(page);
  await page.keyboard.press('Enter');
  await expect(box).toHaveValue(String(second.id));
  await expect(box).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByText('second@acme.example · 40 credits')).toBeVisible();
  // The filter applies at once: only the second customer's grant is listed.
  const rows = page.getByRole('region', { name: 'Transactions table' }).locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Picker check');

  // Escape closes the list first, then clears the field.
  await box.fill('');
  await page.keyboard.type(String(first.id));
  await expect(list.getByRole('option')).not.toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(box).toHaveAttribute('aria-expanded', 'false');
  await expect(box).toHaveValue(String(first.id));
  await page.keyboard.press('Escape');
  await expect(box).toHaveValue('');
});

test('creating a customer with a name another has asks first; Add Credits shows the contact email', async ({ page }) => {
  const name = unique('Same Name');
  const api = await adminApi();
  const existing = await api.customer(name, { contactEmail: 'existing@same.example' });
  await api.dispose();
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const adminPage = new AdminPage(page);
  await page.getByRole('button', { name: 'Create customer' }).click();
  await adminPage.dialog.getByLabel('Name').fill(name);
  await adminPage.dialog.getByLabel('Contact email').fill('new@same.example');
  await adminPage.dialog.getByRole('button', { name: 'Create customer' }).click();
  const warning = adminPage.dialog.getByTestId('duplicate-name');
  await expect(warning).toContainText(`Another customer has the name “${name}”`);
  await expect(warning).toContainText(`ID ${existing.id} · existing@same.example`);
  await expectAccessible(page);
  await screenshot(page, 'duplicate-name');
  await adminPage.dialog.getByRole('button', { name: 'Create anyway' }).click();
  await expect(adminPage.dialog).toBeHidden();
  await adminPage.searchCustomers(name);
  await expect(page.getByRole('row').filter({ hasText: name })).toHaveCount(2);

  await page.getByRole('row').filter({ hasText: `ID ${existing.id}` }).getByRole('button', { name: 'Add Credits' }).click();
  await expect(adminPage.dialog.getByTestId('modal-contact-email')).toHaveText('existing@same.example');
});
