import { expect, type Locator, type Page } from '@playwright/test';

/** The admin dashboard: tabs, the Customers table and the Add Credits dialog. */
export class AdminPage {
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog');
  }

  async goto(tab?: 'customers' | 'users' | 'transactions') {
    await this.page.goto(tab ? `/admin?tab=${tab}` : '/admin');
  }

  tab(name: 'Customers' | 'Users' | 'Transactions') {
    return this.page.getByRole('tab', { name });
  }

  async openTab(name: 'Customers' | 'Users' | 'Transactions') {
    await this.tab(name).click();
    await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true');
  }

  async searchCustomers(text: string) {
    await this.page.getByLabel('Search customers').fill(text);
  }

  customerRow(name: string): Locator {
    return this.page.getByRole('row').filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  balanceCell(name: string): Locator {
    return this.customerRow(name).locator('[data-column="credit-balance"]');
  }

  async openAddCredits(name: string) {
    await this.customerRow(name).getByRole('button', { name: 'Add Credits' }).click();
    await expect(this.dialog).toBeVisible();
  }

  get amount() {
    return this.dialog.getByLabel('Amount');
  }
  get description() {
    return this.dialog.getByLabel('Description');
  }
  get submit() {
    return this.dialog.getByRole('button', { name: 'Add Credits' });
  }

  get category() {
    return this.dialog.getByLabel('Category');
  }
  get expiryDate() {
    return this.dialog.getByLabel('Expiry date (optional)');
  }

  async addCredits(amount: string, description: string, terms: { category?: 'Paid' | 'Promotional'; expiresOn?: string } = {}) {
    await this.amount.fill(amount);
    await this.description.fill(description);
    if (terms.category) await this.category.selectOption({ label: terms.category });
    if (terms.expiresOn) await this.expiryDate.fill(terms.expiresOn);
    await this.submit.click();
  }

  /** The Transactions tab's row of one ledger entry. */
  transactionRow(id: number): Locator {
    return this.page.locator(`tr[data-transaction-id="${id}"]`);
  }
}
