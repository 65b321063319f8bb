import 'server-only';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the app reads, validated in one place (the README's table lists the
 * same set, and a test holds the two together). `checkConfig()` runs at start, so a bad value stops
 * the server with a message naming the variable instead of failing a request later.
 */

const wholeNumber = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}, got "${raw}"` });
        return z.NEVER;
      }
      return Number(raw);
    });

const optionalText = z
  .string()
  .optional()
  .transform((s) => s || undefined);

const url = (name: string, protocols: string[]) =>
  optionalText.refine((s) => s === undefined || (URL.canParse(s) && protocols.includes(new URL(s).protocol)), {
    message: `${name} must be a ${protocols.join(' or ')} URL`,
  });

// libpq URIs, multi-host ones too (postgres://h1:5432,h2:5432/db?target_session_attrs=read-write),
// which WHATWG URL parsing refuses.
const postgresUri = (name: string) =>
  optionalText.refine((s) => s === undefined || (/^postgres(ql)?:\/\/\S*$/.test(s) && (URL.canParse(s) || s.includes(','))), {
    message: `${name} must be a postgres: or postgresql: URL`,
  });

const SCHEMA = z.object({
  NODE_ENV: optionalText,
  DATABASE_URL: postgresUri('DATABASE_URL'),
  DATABASE_READ_URL: postgresUri('DATABASE_READ_URL'),
  MIGRATION_DATABASE_URL: postgresUri('MIGRATION_DATABASE_URL'),
  WEB_CONCURRENCY: wholeNumber('WEB_CONCURRENCY', 1, 64, 1),
  DATABASE_POOL_SIZE: wholeNumber('DATABASE_POOL_SIZE', 1, 1000, 10),
  PGLITE_DATA_DIR: optionalText,
  MIGRATIONS_DIR: optionalText,
  NEXTAUTH_SECRET: optionalText,
  NEXTAUTH_URL: url('NEXTAUTH_URL', ['http:', 'https:']),
  ADMIN_USERNAME: optionalText,
  ADMIN_PASSWORD: optionalText.refine((s) => s === undefined || s.length >= 8, { message: 'ADMIN_PASSWORD must be at least 8 characters long.' }),
  LOGIN_RATE_LIMIT_ATTEMPTS: wholeNumber('LOGIN_RATE_LIMIT_ATTEMPTS', 1, 1_000_000, 10),
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: wholeNumber('LOGIN_RATE_LIMIT_WINDOW_SECONDS', 1, 31_536_000, 900),
  SEARCH_CREDIT_COST: wholeNumber('SEARCH_CREDIT_COST', 0, 999_999, 1),
  ROBLOX_PROVIDER: z.enum(['live', 'fixture'], { error: 'ROBLOX_PROVIDER must be live or fixture' }).default('live'),
  ROBLOX_USERS_API_URL: url('ROBLOX_USERS_API_URL', ['http:', 'https:']).transform((s) => s ?? 'https://users.roblox.com'),
  ROBLOX_TIMEOUT_MS: wholeNumber('ROBLOX_TIMEOUT_MS', 1, 600_000, 5_000),
  ROBLOX_MAX_RETRIES: wholeNumber('ROBLOX_MAX_RETRIES', 0, 10, 2),
});

export type Env = z.output<typeof SCHEMA>;
export const ENV_NAMES = Object.keys(SCHEMA.shape) as Array<keyof Env>;

/** Parses an environment; the error names every bad variable. */
export function parseEnv(env: Record<string, string | undefined>): Env {
  const result = SCHEMA.safeParse(Object.fromEntries(ENV_NAMES.map((n) => [n, env[n]])));
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.message.includes(String(i.path[0])) ? i.message : `${String(i.path[0])}: ${i.message}`));
  throw new Error(`Invalid configuration: ${problems.join('; ')}`);
}

// Re-parsed only when a variable changes (tests change them between cases; servers never do).
let cached: { key: string; env: Env } | undefined;

function env(): Env {
  const key = ENV_NAMES.map((n) => process.env[n] ?? '\u0000').join('\u0001');
  if (cached?.key !== key) cached = { key, env: parseEnv(process.env) };
  return cached.env;
}

/** Validates the environment now: called once at start so a bad value stops the server. */
export function checkConfig(): void {
  env();
}

export const config = {
  get databaseUrl() {
    return env().DATABASE_URL;
  },
  /** A streaming replica for lag-tolerant reads (admin lists, exports, the overview). */
  get databaseReadUrl() {
    return env().DATABASE_READ_URL;
  },
  /** Who applies migrations: the tables' owner (defaults to DATABASE_URL). */
  get migrationDatabaseUrl() {
    return env().MIGRATION_DATABASE_URL ?? env().DATABASE_URL;
  },
  get databasePoolSize() {
    return env().DATABASE_POOL_SIZE;
  },
  get pgliteDataDir() {
    return path.resolve(/*turbopackIgnore: true*/ env().PGLITE_DATA_DIR ?? path.join(process.cwd(), '.data', 'pglite'));
  },
  get migrationsDir() {
    return env().MIGRATIONS_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'database', 'migrations');
  },
  get isProduction() {
    return env().NODE_ENV === 'production';
  },
  get nextAuthSecret() {
    return env().NEXTAUTH_SECRET;
  },
  get nextAuthUrl() {
    return env().NEXTAUTH_URL;
  },
  get adminUsername() {
    return env().ADMIN_USERNAME;
  },
  get adminPassword() {
    return env().ADMIN_PASSWORD;
  },
  get loginRateLimit() {
    return { attempts: env().LOGIN_RATE_LIMIT_ATTEMPTS, windowSeconds: env().LOGIN_RATE_LIMIT_WINDOW_SECONDS };
  },
  /** Credits one look-up costs (a whole number ≥ 0). */
  get searchCreditCost() {
    return env().SEARCH_CREDIT_COST;
  },
  get roblox() {
    const e = env();
    return { provider: e.ROBLOX_PROVIDER, usersApiUrl: e.ROBLOX_USERS_API_URL, timeoutMs: e.ROBLOX_TIMEOUT_MS, maxRetries: e.ROBLOX_MAX_RETRIES };
  },
};
