import { expect, type Locator, type Page } from '@playwright/test';

/** The customer page (/admin/customers/:id) and its Deduct and Void dialogs. */
export class CustomerPage {
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog');
  }

  async goto(customerId: number) {
    await this.page.goto(`/admin/customers/${customerId}`);
    await expect(this.page.getByRole('heading', { name: 'Credits' })).toBeVisible();
  }

  breakdown(name: 'purchased' | 'paid' | 'promotional' | 'used' | 'refunded' | 'expired' | 'voided' | 'deducted'): Locator {
    return this.page.getByTestId(`breakdown-${name}`);
  }

  get balance() {
    return this.page.getByTestId('detail-balance');
  }

  get expiringSoon() {
    return this.page.getByTestId('expiring-soon');
  }

  get grants(): Locator {
    return this.page.getByRole('region', { name: 'Live grants, in the order look-ups spend them' });
  }

  grantRow(grantId: number): Locator {
    return this.page.locator(`tr[data-grant-id="${grantId}"]`);
  }

  async openDeduct() {
    await this.page.getByRole('button', { name: 'Deduct Credits' }).click();
    await expect(this.dialog.getByRole('heading', { name: 'Deduct Credits' })).toBeVisible();
  }
}

/** The two-step correction dialogs (Deduct Credits, Void Grant): the form, then the confirmation. */
export class CorrectionDialog {
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog');
  }

  get amount() {
    return this.dialog.getByLabel('Amount');
  }
  get reason() {
    return this.dialog.getByLabel('Reason');
  }
  review(what: 'deduction' | 'void') {
    return this.dialog.getByRole('button', { name: `Review ${what}` });
  }
  confirm(what: 'deduction' | 'void') {
    return this.dialog.getByRole('button', { name: `Confirm ${what}` });
  }
  get confirmation() {
    return this.dialog.getByRole('alert');
  }
  get success() {
    return this.dialog.getByRole('status');
  }
}
