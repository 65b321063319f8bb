import { expect, type Locator, type Page } from '@playwright/test';

/** The dashboard's API keys tab: the keys table, the create dialog (with its copy-once step), revoking. */
export class ApiKeysPage {
  readonly dialog: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog');
    this.table = page.getByRole('region', { name: 'API keys table' });
  }

  async open() {
    await this.page.getByRole('tab', { name: 'API keys' }).click();
    await expect(this.page.getByRole('heading', { name: 'API keys' })).toBeVisible();
  }

  /** Fills the create form and submits it; answers the secret the copy-once step shows. */
  async create(opts: { name: string; customerId?: number; permissions: string[] }): Promise<string> {
    await this.page.getByRole('button', { name: 'Create API key' }).click();
    await expect(this.dialog).toBeVisible();
    await this.dialog.getByLabel('Name').fill(opts.name);
    if (opts.customerId !== undefined) await this.dialog.getByLabel('Customer ID').fill(String(opts.customerId));
    for (const p of opts.permissions) await this.dialog.getByRole('checkbox', { name: p }).check();
    await this.dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(this.dialog.getByRole('heading', { name: 'Copy your API key' })).toBeVisible();
    return (await this.dialog.getByTestId('api-key-secret').textContent())!.trim();
  }

  row(name: string): Locator {
    return this.table.getByRole('row').filter({ hasText: name });
  }

  async revoke(name: string) {
    await this.row(name).getByRole('button', { name: `Revoke ${name}` }).click();
    await expect(this.dialog.getByRole('heading', { name: 'Revoke API key?' })).toBeVisible();
    await this.dialog.getByRole('button', { name: 'Revoke key' }).click();
    await expect(this.dialog).toBeHidden();
  }
}
