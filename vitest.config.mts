import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = {
  '@': path.resolve(import.meta.dirname, 'src'),
  // lib/ is marked server-only; the suites run it as the server does (Next resolves the same stub).
  'server-only': path.resolve(import.meta.dirname, 'node_modules/server-only/empty.js'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only add contention (PGlite start-up is CPU-bound).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Every integration test ends with the ledger invariants checked on each open test database.
        test: { name: 'lib', include: ['tests/{unit,integration}/**/*.test.ts'], setupFiles: ['tests/support/invariants-setup.ts'] },
      },
      {
        extends: true,
        // API suites speak HTTP to one production server started (and built if stale) by globalSetup.
        test: { name: 'api', include: ['tests/api/**/*.test.ts'], globalSetup: ['tests/support/global-setup.ts'] },
      },
    ],
  },
});
