import { expect, test, type Page } from '@playwright/test';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

/**
 * Bulk grants and approvals in the browser: an upload with a bad row is previewed and confirmed,
 * its progress followed to per-row results and a results CSV; a batch above the approval threshold
 * waits, its requester can't approve it, a second SUPER_ADMIN does from the Approvals queue.
 */
async function signIn(page: Page, username: string, password: string) {
  const login = new LoginPage(page);
  await login.goto('/admin');
  await login.signIn(username, password);
  await expect(page).toHaveURL(/\/admin/);
}

async function expectNoSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);
}

test('bulk upload with a bad row: preview, confirmation, progress, results and the results CSV', async ({ page }) => {
  const api = await adminApi();
  const [a, b] = [await api.customer(unique('Bulk A')), await api.customer(unique('Bulk B'))];
  await api.dispose();
  await signIn(page, admin().username, admin().password);
  await page.getByRole('tab', { name: 'Bulk grants' }).click();
  await expect(page.getByRole('heading', { name: 'Bulk grants' })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Or paste CSV').fill(`customerId,amount,description\n${a.id},100,Q4 promotion\n999999,5,Nobody\n${b.id},250,"Bonus, Q4"\n`);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'valid rows' })).toContainText('2 valid rows (350 credits), 1 with problems');
  const preview = page.getByRole('table');
  await expect(preview.getByRole('row').filter({ hasText: 'No customer with ID 999999' })).toBeVisible();
  await expect(preview.getByRole('row').filter({ hasText: a.name })).toContainText('OK');
  await expectAccessible(page);
  await screenshot(page, 'bulk-preview-1280', { docs: true });

  await page.getByRole('button', { name: 'Grant credits…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm bulk grant' });
  await expect(dialog).toContainText('Grant 350 credits to 2 customers in 2 admin grants?');
  await expect(dialog).toContainText('1 row with problems will be skipped.');
  await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Grant 350 credits' }).click();
  await expect(dialog).toBeHidden();

  const progress = page.getByRole('progressbar');
  await expect(progress).toBeVisible();
  await expect(page.getByText(/Done: 3 of 3 rows/)).toBeVisible({ timeout: 30_000 });
  await expect(progress).toHaveAttribute('value', '3');
  await expect(page.getByRole('status').filter({ hasText: 'succeeded' })).toHaveText('2 succeeded, 1 failed');
  const results = page.getByRole('table');
  await expect(results.getByRole('row').filter({ hasText: a.name })).toContainText('Granted');
  await expect(results.getByRole('row').filter({ hasText: 'Nobody' })).toContainText('No customer with ID 999999');
  await expectAccessible(page);
  await screenshot(page, 'bulk-results-1280', { docs: true });

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download results CSV' }).click();
  const file = await download;
  const csv = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  const lines = csv.trim().split(/\r\n/);
  expect(lines[0]).toBe('line,customerId,customerName,amount,description,status,error,transactionId');
  expect(lines).toHaveLength(4);
  expect(lines[2]).toContain('failed,No customer with ID 999999');
  expect(lines[3]).toContain('"Bonus, Q4",succeeded');

  // The guide's Customers table shows the new balances.
  await page.getByRole('tab', { name: 'Customers' }).click();
  await page.getByLabel('Search customers').fill(a.name);
  await expect(page.getByRole('row').filter({ hasText: a.name }).locator('[data-column="credit-balance"]')).toHaveText('100');

  // At 390 px: no sideways scroll on the new screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/admin?tab=bulk');
  await page.getByLabel('Or paste CSV').fill(`customerId,amount,description\n${a.id},1,Phone check with a fairly long description to wrap\n`);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'valid row' })).toBeVisible();
  await expectNoSidewaysScroll(page);
  await screenshot(page, 'bulk-preview-390', { docs: true });
});

test('a batch above the threshold waits: its requester cannot approve it, a second SUPER_ADMIN approves it from the queue', async ({ page, browser }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Approve Co'));
  const second = await api.superAdmin();
  await api.dispose();

  await signIn(page, admin().username, admin().password);
  await page.goto('/admin?tab=bulk');
  await page.getByLabel('Or paste CSV').fill(`customerId,amount,description\n${customer.id},6000,Big promo part 1\n${customer.id},6000,Big promo part 2\n`);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Grant credits…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Grant 12,000 credits' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Waiting for approval' })).toBeVisible();

  // The requester's own request: listed, with no Approve button.
  await page.getByRole('tab', { name: /Approvals/ }).click();
  const own = page.getByRole('row').filter({ hasText: 'Bulk batch #' }).first();
  await expect(own).toContainText('Your request: another SUPER_ADMIN approves it');
  await expect(own.getByRole('button', { name: /Approve/ })).toHaveCount(0);
  await expectAccessible(page);

  // A second SUPER_ADMIN sees the pending badge and approves.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, second, PASSWORD);
  const tab = other.getByRole('tab', { name: /Approvals/ });
  await expect(tab.locator('.badge-pending')).toBeVisible();
  await tab.click();
  const row = other.getByRole('row').filter({ hasText: '12,000 credits' }).first();
  await expect(row).toContainText(admin().username);
  await expectAccessible(other);
  await screenshot(other, 'approvals-1280', { docs: true });
  await row.getByRole('button', { name: /Approve request/ }).click();
  await expect(other.getByRole('status').filter({ hasText: 'Approved bulk batch' })).toBeVisible();

  // The requester's page follows the batch to the end.
  await page.goto('/admin?tab=customers');
  await page.getByLabel('Search customers').fill(customer.name);
  await expect(async () => {
    await page.reload();
    await page.getByLabel('Search customers').fill(customer.name);
    await expect(page.getByRole('row').filter({ hasText: customer.name }).locator('[data-column="credit-balance"]')).toHaveText('12,000', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });

  // Rejecting needs a reason; at 390 px the queue doesn't scroll sideways.
  await other.setViewportSize({ width: 390, height: 844 });
  await other.goto('/admin?tab=approvals');
  await other.getByLabel('Status').selectOption('approved');
  await expect(other.getByRole('row').filter({ hasText: '12,000 credits' }).first()).toContainText(`Approved by ${second}`);
  await expectNoSidewaysScroll(other);
  await screenshot(other, 'approvals-390', { docs: true });
  await otherContext.close();
});
