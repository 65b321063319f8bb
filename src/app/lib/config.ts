import path from 'node:path';

/** Every environment variable the app reads, in one place (the README lists the same set). */
export const config = {
  get databaseUrl() {
    return process.env.DATABASE_URL || undefined;
  },
  get pgliteDataDir() {
    return path.resolve(/*turbopackIgnore: true*/ process.env.PGLITE_DATA_DIR || path.join(process.cwd(), '.data', 'pglite'));
  },
  get isProduction() {
    return process.env.NODE_ENV === 'production';
  },
  get nextAuthSecret() {
    return process.env.NEXTAUTH_SECRET || undefined;
  },
  get nextAuthUrl() {
    return process.env.NEXTAUTH_URL || undefined;
  },
  get adminUsername() {
    return process.env.ADMIN_USERNAME || undefined;
  },
  get adminPassword() {
    return process.env.ADMIN_PASSWORD || undefined;
  },
  /** Credits one look-up costs (a whole number ≥ 0). */
  get searchCreditCost() {
    const raw = process.env.SEARCH_CREDIT_COST ?? '1';
    if (!/^\d{1,6}$/.test(raw)) throw new Error(`SEARCH_CREDIT_COST must be a whole number, got "${raw}"`);
    return Number(raw);
  },
};
