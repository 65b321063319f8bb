import { expect, request, test, type Page } from '@playwright/test';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

/**
 * The Overview (issue 13 item 4): the SUPER_ADMIN's first tab with the platform's figures and
 * charts, each chart with its table; a customer's usage chart with a range selector and the
 * days its balance lasts; both at 1280 and 390 px without sideways scrolling, and accessible.
 */

const PHONE = { width: 390, height: 844 };
const number = (n: number) => new Intl.NumberFormat('en-US').format(n);

async function expectNoSidewaysScroll(page: Page, what: string) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${what}: document ${width} px wide at ${page.viewportSize()!.width} px`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

/** `n` keyword look-ups by a USER of the customer, through the API as the search page makes them. */
async function lookUps(username: string, n: number) {
  const ctx = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
  const { csrfToken } = await (await ctx.get('/api/auth/csrf')).json();
  await ctx.post('/api/auth/callback/credentials', { form: { csrfToken, username, password: PASSWORD } });
  for (let i = 0; i < n; i++) {
    const res = await ctx.post('/api/search', { data: { query: `blox${i}`, type: 'keyword' } });
    expect(res.ok(), await res.text()).toBeTruthy();
  }
  await ctx.dispose();
}

async function customerWithUsage(name: string, credits: number, looks: number) {
  const api = await adminApi();
  const customer = await api.customer(unique(name));
  await api.credits(customer.id, credits, 'Overview setup');
  const user = await api.user('USER', customer.id);
  await api.dispose();
  await lookUps(user, looks);
  return customer;
}

async function signInAsAdmin(page: Page, path: string) {
  await new LoginPage(page).goto(path);
  await new LoginPage(page).signIn(admin().username, admin().password);
  await expect(page).not.toHaveURL(/\/login/);
}

test('the Overview: first tab for a SUPER_ADMIN, its figures as the API states them, each chart with its table', async ({ page }) => {
  const busy = await customerWithUsage('Overview Busy Co', 2_000, 6);
  await signInAsAdmin(page, '/admin?tab=overview');
  await expect(page.getByRole('tab').first()).toHaveText('Overview');
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByRole('heading', { name: 'Outstanding credits' })).toBeVisible();

  // The page shows what the API answers, formatted for people.
  const api = await (await page.request.get('/api/admin/overview')).json();
  await expect(page.getByTestId('outstanding-total')).toHaveText(number(api.outstanding.total));
  await expect(page.getByTestId('outstanding-paid')).toHaveText(number(api.outstanding.paid));
  await expect(page.getByTestId('outstanding-promotional')).toHaveText(number(api.outstanding.promotional));
  const top = page.getByRole('table', { name: 'Customers who used the most credits this month' });
  await expect(top.getByRole('row').filter({ hasText: busy.name })).toBeVisible();

  // Daily usage: 30 days by default, 90 on request; the table has a row per day, today first.
  const daily = page.getByRole('region', { name: 'Daily usage' });
  await expect(daily.getByRole('radio', { name: '30 days' })).toBeChecked();
  await expect(daily.getByRole('img', { name: /Credits used per day from/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'This month against last month' }).getByRole('img', { name: /so far\) against/ })).toBeVisible();
  await screenshot(page, 'overview-1280', { docs: true });
  await expectAccessible(page);

  // Month against month: a chart with a summary, and its table on request.
  const month = page.getByRole('region', { name: 'This month against last month' });
  await expect(month.getByRole('img', { name: /so far\) against/ })).toBeVisible();
  await month.getByRole('button', { name: 'Show as table' }).click();
  const monthTable = month.getByRole('table', { name: 'Credits this month against last month' });
  await expect(monthTable.getByRole('rowheader')).toHaveText(['Added', 'Purchased (paid)', 'Used']);
  await expect(monthTable.getByRole('row').filter({ hasText: 'Used' })).toContainText(number(api.thisMonth.used));
  await expect(month.getByRole('button', { name: 'Show as chart' })).toHaveAttribute('aria-expanded', 'true');

  await daily.getByRole('button', { name: 'Show as table' }).click();
  const dailyTable = daily.getByRole('table', { name: 'Credits used per day, last 30 days, per day' });
  await expect(dailyTable.locator('tbody tr')).toHaveCount(30);
  const today = api.daily.at(-1);
  await expect(dailyTable.locator('tbody tr').first().locator('td').nth(1)).toHaveText(number(today.used));
  await daily.getByRole('radio', { name: '90 days' }).check();
  await expect(daily.getByRole('table', { name: 'Credits used per day, last 90 days, per day' }).locator('tbody tr')).toHaveCount(90);
  await daily.getByRole('button', { name: 'Show as chart' }).click();
  await expect(daily.getByRole('img', { name: /Credits used per day from/ })).toBeVisible();
  await expectAccessible(page);

  await page.setViewportSize(PHONE);
  await page.reload();
  await expect(page.getByTestId('outstanding-total')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Daily usage' }).getByRole('img', { name: /Credits used per day from/ })).toBeVisible();
  await expectNoSidewaysScroll(page, 'Overview');
  await screenshot(page, 'overview-390', { docs: true });
  await expectAccessible(page);
});

test("a customer's page: usage per day with a range selector, and how long the balance lasts", async ({ page }) => {
  const customer = await customerWithUsage('Usage Chart Co', 300, 4);
  const usage = async (days: number) => (await page.request.get(`/api/admin/customers/${customer.id}/usage?days=${days}`)).json();
  await signInAsAdmin(page, `/admin/customers/${customer.id}`);
  const section = page.getByRole('region', { name: 'Usage per day' });
  await expect(section.getByRole('radio', { name: '30 days' })).toBeChecked();
  const u = await usage(30);
  expect(u.daysLeft).toBeGreaterThan(0);
  await expect(section.getByTestId('days-left')).toContainText(`the balance of ${number(u.balance)} lasts`);
  await expect(section.getByRole('img', { name: /Credits used per day from/ })).toBeVisible();
  await screenshot(page, 'customer-usage-1280', { docs: true });
  await expectAccessible(page);

  for (const days of [90, 365]) {
    await section.getByRole('radio', { name: `${days} days` }).check();
    await expect(section.getByRole('img', { name: /Credits used per day from/ })).toBeVisible();
    await section.getByRole('button', { name: 'Show as table' }).click();
    const rows = section.getByRole('table', { name: `Credits used per day, last ${days} days, per day` }).locator('tbody tr');
    await expect(rows).toHaveCount(days);
    await expect(rows.first().locator('td').nth(1)).toHaveText(number((await usage(days)).daily.at(-1).used));
    await section.getByRole('button', { name: 'Show as chart' }).click();
  }
  // The radio group is keyboard-operable: arrow keys move the range.
  await section.getByRole('radio', { name: '365 days' }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(section.getByRole('radio', { name: '90 days' })).toBeChecked();

  await page.setViewportSize(PHONE);
  await page.reload();
  await expect(page.getByRole('region', { name: 'Usage per day' }).getByRole('img', { name: /Credits used per day from/ })).toBeVisible();
  await expectNoSidewaysScroll(page, 'customer usage');
  await screenshot(page, 'customer-usage-390');
  await expectAccessible(page);
});

test('a CUSTOMER_ADMIN has no Overview tab: its first tab is still Customers, and its usage chart is its own', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('No Overview Co'));
  await api.credits(customer.id, 50);
  const username = await api.user('CUSTOMER_ADMIN', customer.id);
  await api.dispose();
  await new LoginPage(page).goto('/admin?tab=overview');
  await new LoginPage(page).signIn(username, PASSWORD);
  await expect(page.getByRole('tab').first()).toHaveText('Customers');
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveCount(0);
  await expect(page.getByRole('tab', { name: 'Customers' })).toHaveAttribute('aria-selected', 'true');
  expect((await page.request.get('/api/admin/overview')).status()).toBe(403);
  await page.goto(`/admin/customers/${customer.id}`);
  await expect(page.getByRole('region', { name: 'Usage per day' }).getByTestId('days-left')).toContainText('No credits used in the last 14 days');
});
