import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, request, type Page } from '@playwright/test';

export const admin = () => ({ username: process.env.E2E_ADMIN_USERNAME!, password: process.env.E2E_ADMIN_PASSWORD! });
export const PASSWORD = 'correct horse battery';

let n = 0;
export const unique = (prefix: string) => `${prefix} ${Date.now().toString(36)}${(n++).toString(36)}`;

/** An API session as the super admin, for setting up data quickly through the real API. */
export async function adminApi() {
  const ctx = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
  const { csrfToken } = await (await ctx.get('/api/auth/csrf')).json();
  await ctx.post('/api/auth/callback/credentials', { form: { csrfToken, ...admin() } });
  const call = async (method: 'post' | 'patch', url: string, data: unknown) => {
    const res = await ctx[method](url, { data });
    expect(res.ok(), await res.text()).toBeTruthy();
    return res.json();
  };
  return {
    async customer(name: string, extra: Record<string, unknown> = {}) {
      return (await call('post', '/api/admin/customers', { name, ...extra })).customer as { id: number; name: string };
    },
    async user(role: 'USER' | 'CUSTOMER_ADMIN', customerId: number) {
      const username = unique(role.toLowerCase()).replace(/ /g, '_');
      await call('post', '/api/admin/users', { username, password: PASSWORD, role, customerId });
      return username;
    },
    async superAdmin() {
      const username = unique('super').replace(/ /g, '_');
      await call('post', '/api/admin/users', { username, password: PASSWORD, role: 'SUPER_ADMIN' });
      return username;
    },
    async credits(customerId: number, amount: number, description = 'Setup') {
      return call('post', '/api/admin/credits/add', { customerId, amount, description });
    },
    async deduct(customerId: number, amount: number, description = 'Setup') {
      return call('post', '/api/admin/credits/deduct', { customerId, amount, description });
    },
    async webhook(body: { url: string; events: string[]; customerId?: number }) {
      return (await call('post', '/api/admin/webhooks', body)) as { webhook: { id: number; url: string }; secret: string };
    },
    async webhookEnabled(id: number) {
      return ((await (await ctx.get(`/api/admin/webhooks/${id}`)).json()) as { webhook: { enabled: boolean } }).webhook.enabled;
    },
    dispose: () => ctx.dispose(),
  };
}

/**
 * Saves a screenshot as a test artifact (test-results/screenshots); with UPDATE_DOCS_SCREENSHOTS=1,
 * the ones marked for the docs also replace docs/screenshots/*.png (the README's pictures).
 */
export async function screenshot(page: Page, name: string, opts: { docs?: boolean } = {}) {
  const dir = path.join('test-results', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  if (opts.docs && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
    fs.mkdirSync(path.join('docs', 'screenshots'), { recursive: true });
    await page.screenshot({ path: path.join('docs', 'screenshots', `${name}.png`) });
  }
}

/** No serious or critical axe-core violations on what the page shows now. */
export async function expectAccessible(page: Page) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((x) => x.target.join(' ')).join(', ')})`)).toEqual([]);
}
