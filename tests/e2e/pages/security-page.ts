import { expect, type Locator, type Page } from '@playwright/test';
import { generate } from 'otplib';

/** /account/security: two-factor enrolment and the session list. */
export class SecurityPage {
  readonly twoFactor: Locator;
  readonly sessions: Locator;

  constructor(readonly page: Page) {
    this.twoFactor = page.getByRole('region', { name: 'Two-factor sign-in' });
    this.sessions = page.getByRole('region', { name: 'Where you are signed in' });
  }

  async goto() {
    await this.page.goto('/account/security');
  }

  /** Starts enrolment and returns the set-up key the page shows (what the QR code holds). */
  async startEnrolment(): Promise<string> {
    await this.twoFactor.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await expect(this.twoFactor.getByRole('img', { name: /QR code/ })).toBeVisible();
    return (await this.twoFactor.getByLabel('Set-up key').innerText()).replace(/\s+/g, '');
  }

  async confirm(code: string) {
    await this.twoFactor.getByLabel('Code from the app').fill(code);
    await this.twoFactor.getByRole('button', { name: 'Turn on' }).click();
  }

  get recoveryCodes(): Locator {
    return this.twoFactor.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  }
}

/** The code an authenticator app shows for `secret`, `offsetSteps` 30-second steps from now. */
export const authenticatorCode = (secret: string, offsetSteps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
