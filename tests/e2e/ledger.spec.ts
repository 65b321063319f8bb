import { expect, test, type Page } from '@playwright/test';
import { AdminPage } from './pages/admin-page';
import { CorrectionDialog, CustomerPage } from './pages/credit-corrections';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, screenshot, unique } from './support';

/**
 * Ledger v2 in the browser: the Add Credits dialog's category and expiry date, the customer page's
 * breakdown, live grants and expiring credits, Deduct and Void with a required reason and a
 * confirmation that states the effect on the balance. Screens at 1280 and 390 px wide.
 */

test.beforeEach(async ({ page }) => {
  await new LoginPage(page).goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  await expect(page).toHaveURL(/\/admin/);
});

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

async function shoot(page: Page, name: string) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await screenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('Add Credits takes a category and an expiry date; the customer page lists the grant and what expires soon', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Expiring Co'));
  await api.dispose();
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  await adminPage.openAddCredits(customer.name);
  await expect(adminPage.category).toHaveValue('promotional');
  await adminPage.amount.fill('250');
  await adminPage.description.fill('Trial credits');
  await adminPage.category.selectOption({ label: 'Paid' });
  await adminPage.expiryDate.fill(inDays(10));
  await shoot(page, 'add-credits-grant-terms');
  await adminPage.submit.click();
  await expect(adminPage.dialog.getByRole('status')).toContainText('New balance: 250 credits');
  await expect(adminPage.dialog.getByRole('status')).toContainText('expire at the end of');
  await adminPage.dialog.getByRole('button', { name: 'Done' }).click();

  const detail = new CustomerPage(page);
  await detail.goto(customer.id);
  await expect(detail.breakdown('purchased')).toHaveText('250');
  await expect(detail.breakdown('paid')).toHaveText('250');
  await expect(detail.breakdown('promotional')).toHaveText('0');
  const row = detail.grants.locator('tbody tr').first();
  await expect(row).toContainText('Paid');
  await expect(row).toContainText('250 of 250');
  await expect(detail.expiringSoon).toContainText('250 credits in 1 grant expire in the next 30 days');
  await expectAccessible(page);
  await shoot(page, 'customer-grants');
});

test('an expiry date in the past is refused in the dialog and nothing is added', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Past Co'));
  await api.dispose();
  const adminPage = new AdminPage(page);
  await adminPage.searchCustomers(customer.name);
  await adminPage.openAddCredits(customer.name);
  await adminPage.addCredits('5', 'late', { expiresOn: inDays(-2) });
  await expect(adminPage.dialog.getByText('The expiry date must be today or later')).toBeVisible();
  await expect(adminPage.dialog.getByRole('status')).toHaveCount(0);
  await expect(adminPage.dialog.getByTestId('modal-current-balance')).toHaveText('0 credits');
});

test('Deduct: a reason is required, the confirmation states the new balance, the breakdown shows it', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Deduct Co'));
  await api.credits(customer.id, 120, 'Setup');
  await api.dispose();
  const detail = new CustomerPage(page);
  await detail.goto(customer.id);
  await detail.openDeduct();
  const d = new CorrectionDialog(page);
  await d.amount.fill('20');
  await d.review('deduction').click();
  await expect(d.dialog.getByText('Enter a reason for the audit trail')).toBeVisible();
  await d.amount.fill('500');
  await d.reason.fill('Chargeback on invoice 1042');
  await d.review('deduction').click();
  await expect(d.dialog.getByText('The balance is only 120 credits')).toBeVisible();
  await d.amount.fill('20');
  await d.review('deduction').click();
  await expect(d.confirmation).toContainText('Deduct 20 credits from');
  await expect(d.confirmation).toContainText('Balance: 120 → 100');
  await shoot(page, 'deduct-confirmation');
  await d.confirm('deduction').click();
  await expect(d.success).toContainText('New balance: 100 credits');
  await d.dialog.getByRole('button', { name: 'Done' }).click();
  await expect(detail.balance).toHaveText('100');
  await expect(detail.breakdown('deducted')).toHaveText('20');
  await expect(page.locator('[role="region"][aria-label="Recent transactions"]')).toContainText('[ADMIN] Chargeback on invoice 1042 (Deducted by: ');
});

test('Void on a grant row of the transaction history: reason, confirmation of the effect, then the grant is voided', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Void Co'));
  const { transaction } = await api.credits(customer.id, 100, 'Added by mistake');
  await api.credits(customer.id, 5, 'Kept');
  await api.dispose();
  const adminPage = new AdminPage(page);
  await adminPage.goto('transactions');
  await page.getByLabel('Customer ID').fill(String(customer.id));
  const row = adminPage.transactionRow(transaction.id);
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: `Void grant #${transaction.id}` }).click();
  const d = new CorrectionDialog(page);
  await expect(d.dialog.getByText('100 of 100')).toBeVisible();
  await d.review('void').click();
  await expect(d.dialog.getByText('Enter a reason for the audit trail')).toBeVisible();
  await d.reason.fill('Added to the wrong customer');
  await d.review('void').click();
  await expect(d.confirmation).toContainText(`Void the unspent 100 credits of grant #${transaction.id}?`);
  await expect(d.confirmation).toContainText('Balance: 105 → 5');
  await shoot(page, 'void-confirmation');
  await d.confirm('void').click();
  await expect(d.success).toContainText('New balance: 5 credits');
  await d.dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('region', { name: 'Transactions table' })).toContainText(`[ADMIN] Void of grant #${transaction.id}: Added to the wrong customer`);
  await shoot(page, 'transactions-void');

  // A second try on the same grant says there is nothing left to void.
  await row.getByRole('button', { name: `Void grant #${transaction.id}` }).click();
  await expect(d.dialog.getByText('This grant is voided: nothing remains to void.')).toBeVisible();
});
