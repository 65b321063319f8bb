import { expect, request, type Page } from '@playwright/test';

/** The /billing screen of a customer admin. */
export class BillingPage {
  constructor(readonly page: Page) {}

  async goto(query = '') {
    await this.page.goto(`/billing${query}`);
    await expect(this.page.getByRole('heading', { name: 'Billing', level: 1 })).toBeVisible();
  }
  get balance() {
    return this.page.getByTestId('billing-balance');
  }
  buyButton(packName: string) {
    return this.page.getByRole('button', { name: new RegExp(`^Buy ${packName}:`) });
  }
  get purchases() {
    return this.page.getByRole('region', { name: 'Purchases table' });
  }
  purchaseRow(text: string | RegExp) {
    return this.purchases.getByRole('row').filter({ hasText: text });
  }
}

/** The browser tests' fake Stripe, driven over its `/__control/…` endpoints. */
export async function stripeControl<T = unknown>(action: string, body: unknown): Promise<T> {
  const res = await fetch(`${process.env.E2E_STRIPE_URL}/__control/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.ok, await res.clone().text()).toBeTruthy();
  return (await res.json()) as T;
}

/** A SUPER_ADMIN API session that sets up packs (and buys as a customer admin, for states the browser can't reach by itself). */
export async function billingApi(baseURL: string, username: string, password: string) {
  const ctx = await request.newContext({ baseURL });
  const { csrfToken } = await (await ctx.get('/api/auth/csrf')).json();
  await ctx.post('/api/auth/callback/credentials', { form: { csrfToken, username, password } });
  return {
    async put<T = any>(url: string, data: unknown): Promise<T> {
      const res = await ctx.put(url, { data });
      expect(res.ok(), await res.text()).toBeTruthy();
      return res.json();
    },
    async post<T = any>(url: string, data: unknown): Promise<T> {
      const res = await ctx.post(url, { data });
      expect(res.ok(), await res.text()).toBeTruthy();
      return res.json();
    },
    dispose: () => ctx.dispose(),
  };
}
