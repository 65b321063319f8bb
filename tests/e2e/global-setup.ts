import { startServer } from '../support/server';

/** One production server for the browser tests; its address and admin password reach the tests by env. */
export default async function globalSetup() {
  const server = await startServer();
  process.env.E2E_BASE_URL = server.baseUrl;
  process.env.E2E_ADMIN_USERNAME = server.adminUsername;
  process.env.E2E_ADMIN_PASSWORD = server.adminPassword;
  return async () => {
    await server.stop();
  };
}
