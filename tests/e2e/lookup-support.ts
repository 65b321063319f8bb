import { expect, request } from '@playwright/test';
import { admin } from './support';

/** The super admin's API session for what the look-up screens need set up: prices and limits. */
export async function pricingApi() {
  const ctx = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
  const { csrfToken } = await (await ctx.get('/api/auth/csrf')).json();
  await ctx.post('/api/auth/callback/credentials', { form: { csrfToken, ...admin() } });
  const send = async (method: 'put' | 'patch' | 'get', url: string, data?: unknown) => {
    const res = await ctx[method](url, data === undefined ? undefined : { data });
    expect(res.ok(), await res.text()).toBeTruthy();
    return res.json();
  };
  return {
    customerPrices: (customerId: number, prices: Record<string, number>) => send('put', `/api/admin/customers/${customerId}/prices`, { prices }),
    monthlyLimit: async (username: string, monthlyCreditLimit: number | null) => {
      const list = await send('get', `/api/admin/users?search=${encodeURIComponent(username)}`);
      const user = list.items.find((u: { username: string }) => u.username === username);
      return send('patch', `/api/admin/users/${user.id}`, { monthlyCreditLimit });
    },
    dispose: () => ctx.dispose(),
  };
}
