import { expect, test, type Page } from '@playwright/test';
import { fixtureFriendCounts, fixtureGroups, fixtureUsers } from '../../src/app/lib/searches/roblox/fixture';
import { pricingApi } from './lookup-support';
import { AdminPage } from './pages/admin-page';
import { LoginPage } from './pages/login-page';
import { admin, adminApi, expectAccessible, PASSWORD, screenshot, unique } from './support';

/** The look-up page as tabs (price per type, balance, monthly allowance) and the Users tab's spending column. */

const withHistory = fixtureUsers.find((u) => u.previousUsernames.length > 0 && !u.isBanned)!;
const member = fixtureUsers.find((u) => fixtureGroups(u.id).length >= 3)!;

async function setUp(credits: number, limit: number | null) {
  const api = await adminApi();
  const customer = await api.customer(unique('Tabs Co'));
  const username = await api.user('USER', customer.id);
  await api.credits(customer.id, credits, 'Look-up test credits');
  await api.dispose();
  const pricing = await pricingApi();
  await pricing.customerPrices(customer.id, { profile: 2 });
  if (limit !== null) await pricing.monthlyLimit(username, limit);
  await pricing.dispose();
  return { customer, username };
}

const tab = (page: Page, name: RegExp) => page.getByRole('tab', { name });

test('the search page: a tab per type with its price, balance and allowance in view, results for people, history filters', async ({ page }) => {
  const { customer, username } = await setUp(20, 10);
  await page.goto('/search');
  await new LoginPage(page).signIn(username, PASSWORD);
  await expect(page).toHaveURL(/\/search$/);

  await expect(page.getByTestId('balance')).toHaveText('20 credits');
  await expect(page.getByTestId('monthly-allowance')).toContainText('Left this month 10 credits');
  await expect(tab(page, /^Users by name/)).toContainText('1 credit');
  await expect(tab(page, /^Profile/)).toContainText('2 credits');
  await expect(tab(page, /^Groups/)).toContainText('1 credit');
  await expect(tab(page, /^Usernames to IDs/)).toContainText('1 credit per name found');
  await expect(tab(page, /^Users by name/)).toHaveAttribute('aria-selected', 'true');

  // Profile: headshot, counts, username history; 2 credits.
  await tab(page, /^Profile/).click();
  await page.getByLabel('Roblox user ID', { exact: true }).fill(String(withHistory.id));
  await page.getByRole('button', { name: 'Look up profile (2 credits)' }).click();
  const profile = page.getByRole('region', { name: new RegExp(withHistory.displayName) });
  await expect(profile.getByRole('img', { name: `Avatar of ${withHistory.name}` })).toBeVisible();
  const counts = fixtureFriendCounts(withHistory.id);
  await expect(profile.locator('dd').first()).toHaveText(counts.friends.toLocaleString('en-US'));
  await expect(profile.getByRole('list', { name: /Earlier usernames/ })).toContainText(withHistory.previousUsernames[0]!);
  await expect(page.getByTestId('balance')).toHaveText('18 credits');
  await expect(page.getByTestId('monthly-allowance')).toContainText('Left this month 8 credits');
  await screenshot(page, 'search-profile-1280', { docs: true });

  // Groups: the table of memberships with roles and ranks.
  await tab(page, /^Groups/).click();
  await page.getByLabel('Roblox user ID for groups').fill(String(member.id));
  await page.getByRole('button', { name: 'Look up groups (1 credit)' }).click();
  const groups = page.getByRole('region', { name: 'Groups table' });
  const expected = fixtureGroups(member.id);
  await expect(groups.locator('tbody tr')).toHaveCount(expected.length);
  await expect(groups.locator('tbody tr').first()).toContainText(expected[0]!.group.name);
  await expect(groups.locator('tbody tr').first()).toContainText(expected[0]!.role.name);

  // Usernames: resolved ids, and the names not found (not charged).
  await tab(page, /^Usernames/).click();
  const names = [fixtureUsers[10]!.name, 'NoSuchRobloxUser1', fixtureUsers[11]!.name];
  await page.getByRole('textbox', { name: 'Usernames to resolve' }).fill(names.join('\n'));
  await page.getByRole('button', { name: 'Resolve (3 credits)' }).click();
  await expect(page.getByRole('heading', { name: '2 of 3 usernames found' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Resolved usernames' })).toContainText(String(fixtureUsers[10]!.id));
  await expect(page.getByTestId('unresolved')).toContainText('NoSuchRobloxUser1');
  await expect(page.getByTestId('balance')).toHaveText('15 credits');
  await expect(page.getByTestId('monthly-allowance')).toContainText('Left this month 5 credits');

  // The history, filtered by type.
  const history = page.getByRole('region', { name: 'Look-up history' });
  await expect(history.locator('tbody tr')).toHaveCount(3);
  await page.getByLabel('Type', { exact: true }).selectOption('groups');
  await expect(history.locator('tbody tr')).toHaveCount(1);
  await expect(history.locator('tbody tr').first()).toContainText(`Groups of ${member.id}`);
  await page.getByLabel('User', { exact: true }).selectOption({ label: 'Only me' });
  await expect(history.locator('tbody tr')).toHaveCount(1);
  await page.getByLabel('Type', { exact: true }).selectOption('');
  await expect(history.locator('tbody tr')).toHaveCount(3);

  await expectAccessible(page);
  await screenshot(page, 'search-tabs-1280', { docs: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId('balance')).toBeInViewport();
  for (const name of [/^Users by name/, /^Profile/, /^Groups/, /^Usernames/]) await expect(tab(page, name)).toBeInViewport();
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
  await screenshot(page, 'search-tabs-390', { docs: true });
  expect(customer.id).toBeGreaterThan(0);
});

test('the monthly limit: past it the button is off and the 402 says so', async ({ page }) => {
  const { username } = await setUp(20, 1);
  await page.goto('/search');
  await new LoginPage(page).signIn(username, PASSWORD);
  await page.getByLabel('Username or display name').fill('blox');
  await page.getByRole('button', { name: 'Search (1 credit)' }).click();
  await expect(page.getByRole('heading', { name: /Results for/ })).toBeVisible();
  await expect(page.getByTestId('monthly-allowance')).toContainText('Left this month 0 credits');
  const alert = page.getByTestId('monthly-limit-reached');
  await expect(alert).toContainText('Monthly limit reached');
  await page.getByLabel('Username or display name').fill('builder');
  await expect(page.getByRole('button', { name: 'Search (1 credit)' })).toBeDisabled();
  await expect(page.getByTestId('balance')).toHaveText('19 credits');
});

test('the Users tab shows each user’s spending this month against the limit, and sets the limit', async ({ page }) => {
  const { customer, username } = await setUp(20, null);
  // Two look-ups as the user, in a browser of their own.
  const userContext = await page.context().browser()!.newContext({ baseURL: process.env.E2E_BASE_URL });
  const userPage = await userContext.newPage();
  await userPage.goto('/search');
  await new LoginPage(userPage).signIn(username, PASSWORD);
  for (const [q, left] of [['blox', '19 credits'], ['builder', '18 credits']] as const) {
    await userPage.getByLabel('Username or display name').fill(q);
    await userPage.getByRole('button', { name: 'Search (1 credit)' }).click();
    await expect(userPage.getByTestId('balance')).toHaveText(left);
  }
  await userContext.close();

  await page.goto('/admin');
  await new LoginPage(page).signIn(admin().username, admin().password);
  const adminPage = new AdminPage(page);
  await adminPage.openTab('Users');
  await page.getByLabel('Customer ID').fill(String(customer.id));
  const row = page.getByRole('row').filter({ hasText: username });
  await expect(row.getByTestId('monthly-spend')).toContainText('2 credits (no limit)');
  await row.getByRole('button', { name: `Set limit of ${username}` }).click();
  await adminPage.dialog.getByLabel('Credits per month').fill('-3');
  await adminPage.dialog.getByRole('button', { name: 'Save limit' }).click();
  await expect(adminPage.dialog.getByText('The monthly limit cannot be negative')).toBeVisible();
  await adminPage.dialog.getByLabel('Credits per month').fill('5');
  await adminPage.dialog.getByRole('button', { name: 'Save limit' }).click();
  await expect(adminPage.dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: `${username} may spend 5 credits a month.` })).toBeVisible();
  await expect(row.getByTestId('monthly-spend')).toContainText('2 of 5 credits');
  await expect(row.getByRole('meter')).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'users-tab-limits-1280', { docs: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('region', { name: 'Users table' })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
  await screenshot(page, 'users-tab-limits-390');
});
