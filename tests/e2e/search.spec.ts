import { expect, test, type Page } from '@playwright/test';
import { fixtureSearch } from '../../src/app/lib/searches/roblox/fixture';
import { LoginPage } from './pages/login-page';
import { adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

/** The /search screen of a tenant's user: balance, price, results, profile, refunds, out of credits, history. */
class SearchPage {
  constructor(readonly page: Page) {}

  get balance() {
    return this.page.getByTestId('balance');
  }
  get query() {
    return this.page.getByLabel('Username or display name');
  }
  get searchButton() {
    return this.page.getByRole('button', { name: /^Search \(/ });
  }
  get results() {
    return this.page.getByRole('region', { name: /^Results for/ });
  }
  get history() {
    return this.page.getByRole('region', { name: 'Look-up history' });
  }

  async search(text: string) {
    await this.query.fill(text);
    await this.searchButton.click();
  }

  card(username: string) {
    return this.results.getByRole('listitem').filter({ has: this.page.getByText(`@${username}`, { exact: true }) });
  }
}

async function robloxRequests(keyword: string): Promise<number> {
  const res = await fetch(`${process.env.E2E_ROBLOX_URL}/__requests?keyword=${encodeURIComponent(keyword)}`);
  return ((await res.json()) as { requests: number }).requests;
}

test('a USER searches Roblox, opens profiles, is refunded when Roblox fails, and runs out of credits', async ({ page }) => {
  const api = await adminApi();
  const customer = await api.customer(unique('Search Co'));
  const tenantAdmin = await api.user('CUSTOMER_ADMIN', customer.id);
  const username = await api.user('USER', customer.id);
  await api.credits(customer.id, 3, 'Search test credits');
  await api.dispose();

  // Signed out, /search goes to the login page and comes back.
  await page.goto('/search');
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fsearch$/);
  await new LoginPage(page).signIn(username, PASSWORD);
  await expect(page).toHaveURL(/\/search$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Roblox look-ups' })).toBeVisible();

  // The balance and the price, before anything is spent.
  const search = new SearchPage(page);
  await expect(search.balance).toHaveText('3 credits');
  await expect(page.getByText(`Balance for ${customer.name}`)).toBeVisible();
  await expect(page.getByText('Each look-up costs 1 credit').first()).toBeVisible();
  await expect(search.history).toHaveCount(0);
  await expect(page.getByText('No look-ups yet.')).toBeVisible();

  // A keyword search: result cards with display name and @username; 1 credit spent.
  const expected = fixtureSearch('blox', 10);
  await search.search('blox');
  await expect(search.results.getByRole('heading')).toContainText('Results for “blox”');
  await expect(search.results.getByRole('listitem')).toHaveCount(expected.length);
  for (const u of expected.slice(0, 3)) {
    const card = search.card(u.name);
    await expect(card).toContainText(u.displayName);
    await expect(card).toContainText(`@${u.name}`);
  }
  await expect(search.balance).toHaveText('2 credits');

  // Roblox failing: a clear error, the credit refunded.
  const failing = `fail500${Date.now().toString(36)}`;
  await search.search(failing);
  const failure = page.getByRole('alert').filter({ hasText: 'The look-up failed' });
  await expect(failure).toContainText('Roblox is unavailable');
  await expect(failure).toContainText(/refunded/);
  await expect(search.balance).toHaveText('2 credits');
  expect(await robloxRequests(failing)).toBe(3);

  // View profile: the profile of the first result; 1 credit.
  const [first, second] = expected;
  await search.card(first!.name).getByRole('button', { name: `View profile of ${first!.name} (1 credit)` }).click();
  const profile = page.getByRole('region', { name: new RegExp(first!.displayName) });
  await expect(profile.getByRole('heading', { level: 2 })).toContainText(`${first!.displayName} @${first!.name}`);
  await expect(profile).toContainText(String(first!.id));
  await expect(search.balance).toHaveText('1 credit');
  await expect(failure).toHaveCount(0);

  // Back to the results and the last credit on a second profile.
  await page.getByRole('button', { name: 'Back to results' }).click();
  await search.card(second!.name).getByRole('button', { name: `View profile of ${second!.name} (1 credit)` }).click();
  await expect(page.getByRole('heading', { level: 2, name: new RegExp(`@${second!.name}`) })).toBeVisible();
  await expect(search.balance).toHaveText('0 credits');

  // Out of credits: whom to ask, and nothing left to click that would cost credits.
  const outOfCredits = page.getByTestId('out-of-credits');
  await expect(outOfCredits).toBeVisible();
  await expect(outOfCredits).toHaveAttribute('role', 'alert');
  await expect(outOfCredits).toContainText('Out of credits');
  await expect(outOfCredits).toContainText(tenantAdmin);
  await search.query.fill('builder');
  await expect(search.searchButton).toBeDisabled();

  // The history lists every look-up, newest first, with what each cost.
  const rows = search.history.locator('tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toContainText(`Profile ${second!.id}`);
  await expect(rows.nth(0)).toContainText('Answered');
  await expect(rows.nth(1)).toContainText(`Profile ${first!.id}`);
  await expect(rows.nth(2)).toContainText(failing);
  await expect(rows.nth(2)).toContainText('Refunded');
  await expect(rows.nth(2).locator('td').last()).toHaveText('0');
  await expect(rows.nth(3)).toContainText('blox');
  await expect(rows.nth(3)).toContainText('Answered');
  await expect(rows.nth(3).locator('td').nth(4)).toHaveText(String(expected.length));
  await expect(rows.nth(3).locator('td').last()).toHaveText('1');
  for (const i of [0, 1, 2, 3]) await expect(rows.nth(i)).toContainText(username);

  await expectAccessible(page);
  await screenshot(page, 'search', { docs: true });

  // A reload keeps the state the server knows: balance 0, the alert, the history.
  await page.reload();
  await expect(search.balance).toHaveText('0 credits');
  await expect(page.getByTestId('out-of-credits')).toContainText(tenantAdmin);
  await expect(search.history.locator('tbody tr')).toHaveCount(4);
});
