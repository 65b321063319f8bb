import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

/**
 * Next's rules (React, hooks, accessibility, TypeScript) plus the import boundaries of
 * docs/ARCHITECTURE.md: routes → lib/http → domains → lib/db, lib/ never imports UI, client UI
 * takes only types from lib/. `npm run lint` must report zero warnings.
 */

const UI = ['@/app/_ui/*', '@/app/admin/*', '@/app/search/*', '@/app/(auth)/*', 'react', 'react-dom', '*.tsx'];
const restrict = (groups) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns: groups.map(([group, message, allowTypeImports]) => ({ group, message, allowTypeImports })) }],
});

const DOMAINS = ['auth', 'audit', 'billing', 'credits', 'customers', 'grants-ops', 'idempotency', 'jobs', 'notifications', 'searches', 'users', 'webhooks'];

const config = [
  { ignores: ['.next/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts', '.data/**'] },
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON bodies whose shape is what they assert, not what they assume.
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Plain Node scripts that run without a build step (the guide runs one as `node scripts/…`).
    files: ['**/*.cjs', 'scripts/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/app/lib/**/*.ts'],
    rules: restrict([[UI, 'lib/ is server code: it never imports UI.', false]]),
  },
  {
    files: DOMAINS.map((d) => `src/app/lib/${d}/**/*.ts`).concat('src/app/lib/credits.ts'),
    rules: restrict([
      [UI, 'lib/ is server code: it never imports UI.', false],
      [['@/app/lib/http', '@/app/lib/http/*', '../http', '../http/*', '../../http/*', '**/lib/app'], 'Domains sit below the request door: routes → http/ → domains → db/.', false],
    ]),
  },
  {
    files: ['src/app/lib/db/**/*.ts'],
    rules: restrict([
      [UI, 'lib/ is server code: it never imports UI.', false],
      [DOMAINS.flatMap((d) => [`@/app/lib/${d}`, `@/app/lib/${d}/*`, `../${d}`, `../${d}/*`]).concat(['../http/*', '@/app/lib/http/*']), 'db/ is the bottom layer: it imports no domain.', false],
    ]),
  },
  {
    files: ['src/app/api/**/route.ts'],
    rules: restrict([[['@/app/lib/db', '@/app/lib/db/*', '@/app/lib/app'], 'Routes reach the database only through the door and a domain call.', false]]),
  },
  {
    files: ['src/app/shared/**/*.ts'],
    rules: restrict([[['@/app/*', '../*'], 'shared/ holds plain values for both sides: it imports nothing of the app.', false]]),
  },
  {
    // Client components: values from lib/ would drag server code (and secrets) into the browser bundle.
    files: ['src/app/**/*.tsx'],
    ignores: ['src/app/**/page.tsx', 'src/app/**/layout.tsx', 'src/app/**/not-found.tsx', 'src/app/_ui/Shell.tsx', 'src/app/_ui/NoAccess.tsx'],
    rules: restrict([[['@/app/lib/*', '@/app/lib/**'], 'Client UI takes only types from lib/ (import type).', true]]),
  },
];

export default config;
