/**
 * Which database the suites run on: PostgreSQL when TEST_DATABASE_URL is set, PGlite otherwise.
 * Tests create and drop their own databases, so they refuse anything but a local server.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = TEST_DATABASE_URL !== undefined;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);

export function assertLocalDatabase(url: string): void {
  const host = new URL(url).hostname;
  if (!LOCAL_HOSTS.has(host) && !host.startsWith('/')) {
    throw new Error(`Refusing to run tests against non-local database host "${host}" (TEST_DATABASE_URL).`);
  }
}
