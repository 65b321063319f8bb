import type { TestProject } from 'vitest/node';
import { startServer, type RunningServer } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    server: { baseUrl: string; adminUsername: string; adminPassword: string; databaseUrl?: string };
  }
}

let server: RunningServer | undefined;

/** One production server for all API suites; each suite makes its own customers and users. */
export async function setup(project: TestProject) {
  server = await startServer({ LOGIN_RATE_LIMIT_ATTEMPTS: '5', LOGIN_RATE_LIMIT_WINDOW_SECONDS: '4' });
  project.provide('server', {
    baseUrl: server.baseUrl,
    adminUsername: server.adminUsername,
    adminPassword: server.adminPassword,
    databaseUrl: server.databaseUrl,
  });
}

export async function teardown() {
  if (server && process.env.SHOW_SERVER_LOG) console.log(server.output());
  await server?.stop();
}
