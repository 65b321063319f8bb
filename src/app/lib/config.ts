import 'server-only';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { ROLES, type Role } from './auth/roles';

/**
 * Every environment variable the app reads, validated in one place (the README's table lists the
 * same set, and a test holds the two together). `checkConfig()` runs at start, so a bad value stops
 * the server with a message naming the variable instead of failing a request later.
 */

/** A whole number from min to max, or undefined when unset (the feature it turns on stays off). */
const optionalWholeNumber = (name: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      if (!/^\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}, got "${raw}"` });
        return z.NEVER;
      }
      return Number(raw);
    });

const wholeNumber = (name: string, min: number, max: number, fallback: number) =>
  optionalWholeNumber(name, min, max).transform((n) => n ?? fallback);

const optionalText = z
  .string()
  .optional()
  .transform((s) => s || undefined);

const url = (name: string, protocols: string[]) =>
  optionalText.refine((s) => s === undefined || (URL.canParse(s) && protocols.includes(new URL(s).protocol)), {
    message: `${name} must be a ${protocols.join(' or ')} URL`,
  });

const flag = (name: string) =>
  z
    .enum(['true', 'false', ''], { error: `${name} must be true or false` })
    .optional()
    .transform((s) => s === 'true');

const trustedProxyList = (s: string) => s.split(',').map((p) => p.trim()).filter(Boolean);
const roleList = (s: string) => s.split(',').map((r) => r.trim()).filter(Boolean);
// proxy-addr's own words for the private ranges, or an address with an optional prefix length.
const isProxySpec = (p: string) =>
  ['loopback', 'linklocal', 'uniquelocal'].includes(p) || (() => {
    const [address, bits, extra] = p.split('/');
    if (extra !== undefined || !address || net.isIP(address) === 0) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (net.isIP(address) === 4 ? 32 : 128));
  })();
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
  PGLITE_SOCKET_PORT: optionalText.refine((s) => s === undefined || (/^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535), {
    message: 'PGLITE_SOCKET_PORT must be a port number (1-65535)',
  }),
  MIGRATIONS_DIR: optionalText,
  NEXTAUTH_SECRET: optionalText,
  NEXTAUTH_URL: url('NEXTAUTH_URL', ['http:', 'https:']),
  ADMIN_USERNAME: optionalText,
  ADMIN_PASSWORD: optionalText.refine((s) => s === undefined || s.length >= 8, { message: 'ADMIN_PASSWORD must be at least 8 characters long.' }),
  LOGIN_RATE_LIMIT_ATTEMPTS: wholeNumber('LOGIN_RATE_LIMIT_ATTEMPTS', 1, 1_000_000, 10),
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: wholeNumber('LOGIN_RATE_LIMIT_WINDOW_SECONDS', 1, 31_536_000, 900),
  NEXTAUTH_SECRET_PREVIOUS: optionalText,
  SESSION_MAX_AGE_SECONDS: wholeNumber('SESSION_MAX_AGE_SECONDS', 1, 31_536_000, 8 * 60 * 60),
  SESSION_IDLE_SECONDS: wholeNumber('SESSION_IDLE_SECONDS', 1, 31_536_000, 60 * 60),
  TRUSTED_PROXIES: optionalText.refine((s) => s === undefined || trustedProxyList(s).every(isProxySpec), {
    message: 'TRUSTED_PROXIES must be comma-separated IP addresses or CIDR ranges (e.g. 10.0.0.1,10.1.0.0/16), or loopback, linklocal, uniquelocal',
  }),
  REQUIRE_2FA_ROLES: optionalText.refine((s) => s === undefined || roleList(s).every((r) => (ROLES as readonly string[]).includes(r)), {
    message: `REQUIRE_2FA_ROLES must be a comma-separated list of ${ROLES.join(', ')}`,
  }),
  SEARCH_CREDIT_COST: wholeNumber('SEARCH_CREDIT_COST', 0, 999_999, 1),
  ROBLOX_PROVIDER: z.enum(['live', 'fixture'], { error: 'ROBLOX_PROVIDER must be live or fixture' }).default('live'),
  ROBLOX_USERS_API_URL: url('ROBLOX_USERS_API_URL', ['http:', 'https:']).transform((s) => s ?? 'https://users.roblox.com'),
  ROBLOX_TIMEOUT_MS: wholeNumber('ROBLOX_TIMEOUT_MS', 1, 600_000, 5_000),
  ROBLOX_MAX_RETRIES: wholeNumber('ROBLOX_MAX_RETRIES', 0, 10, 2),
  CREDIT_EXPIRY_INTERVAL_SECONDS: wholeNumber('CREDIT_EXPIRY_INTERVAL_SECONDS', 1, 60, 15),
  ROBLOX_THUMBNAILS_API_URL: url('ROBLOX_THUMBNAILS_API_URL', ['http:', 'https:']).transform((s) => s ?? 'https://thumbnails.roblox.com'),
  ROBLOX_FRIENDS_API_URL: url('ROBLOX_FRIENDS_API_URL', ['http:', 'https:']).transform((s) => s ?? 'https://friends.roblox.com'),
  ROBLOX_GROUPS_API_URL: url('ROBLOX_GROUPS_API_URL', ['http:', 'https:']).transform((s) => s ?? 'https://groups.roblox.com'),
  ROBLOX_CACHE_SECONDS: wholeNumber('ROBLOX_CACHE_SECONDS', 0, 86_400, 300),
  ROBLOX_RATE_LIMIT_PER_MINUTE: wholeNumber('ROBLOX_RATE_LIMIT_PER_MINUTE', 1, 1_000_000, 60),
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:']),
  WEBHOOK_ALLOW_PRIVATE: flag('WEBHOOK_ALLOW_PRIVATE'),
  WEBHOOK_TIMEOUT_MS: wholeNumber('WEBHOOK_TIMEOUT_MS', 100, 60_000, 10_000),
  WEBHOOK_DISPATCH_INTERVAL_SECONDS: wholeNumber('WEBHOOK_DISPATCH_INTERVAL_SECONDS', 1, 60, 2),
  WEBHOOK_RETRY_BASE_SECONDS: wholeNumber('WEBHOOK_RETRY_BASE_SECONDS', 1, 3_600, 60),
  WEBHOOK_RETRY_MAX_SECONDS: wholeNumber('WEBHOOK_RETRY_MAX_SECONDS', 1, 86_400, 6 * 3_600),
  WEBHOOK_RETRY_WINDOW_SECONDS: wholeNumber('WEBHOOK_RETRY_WINDOW_SECONDS', 1, 30 * 86_400, 86_400),
  WEBHOOK_DISABLE_AFTER_SECONDS: wholeNumber('WEBHOOK_DISABLE_AFTER_SECONDS', 1, 365 * 86_400, 5 * 86_400),
  LOW_BALANCE_THRESHOLD: wholeNumber('LOW_BALANCE_THRESHOLD', 0, 1_000_000_000, 50),
  SMTP_URL: url('SMTP_URL', ['smtp:', 'smtps:']),
  EMAIL_FROM: optionalText.transform((s) => s ?? 'roblox-tool <no-reply@localhost>'),
  GRANT_APPROVAL_THRESHOLD: optionalWholeNumber('GRANT_APPROVAL_THRESHOLD', 1, 1_000_000_000),
  CUSTOMER_ADMIN_SELF_GRANTS: z
    .enum(['allowed', 'approval', 'off'], { error: 'CUSTOMER_ADMIN_SELF_GRANTS must be allowed, approval or off' })
    .default('allowed'),
  ADMIN_DAILY_GRANT_LIMIT: optionalWholeNumber('ADMIN_DAILY_GRANT_LIMIT', 1, 1_000_000_000),
  STRIPE_SECRET_KEY: optionalText.refine((s) => s === undefined || /^(sk|rk)_(test|live)_\w+$/.test(s), {
    message: 'STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_…, sk_live_…, or a restricted rk_… key)',
  }),
  STRIPE_WEBHOOK_SECRET: optionalText.refine((s) => s === undefined || /^whsec_\w+$/.test(s), {
    message: 'STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)',
  }),
  STRIPE_API_URL: url('STRIPE_API_URL', ['http:', 'https:']),
  AUTO_TOP_UP_INTERVAL_SECONDS: wholeNumber('AUTO_TOP_UP_INTERVAL_SECONDS', 1, 3600, 5),
  AUTO_TOP_UP_RETRY_SECONDS: wholeNumber('AUTO_TOP_UP_RETRY_SECONDS', 0, 604_800, 3600),
  API_KEY_RATE_LIMIT: wholeNumber('API_KEY_RATE_LIMIT', 1, 1_000_000, 600),
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

// Re-parsed only when a variable changes (tests change them between cases). A production server's
// environment is fixed once it runs, so there it is read once: the key alone is some 60 process.env
// reads, and a request reads the configuration a few dozen times (2.5 % of a credit addition's CPU).
let cached: { key: string; env: Env } | undefined;
const FIXED_ENVIRONMENT = process.env.NODE_ENV === 'production';

function env(): Env {
  if (cached && FIXED_ENVIRONMENT) return cached.env;
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
  /** Serve the embedded database over the PostgreSQL protocol on this local port (psql, the guide's SQL). */
  get pgliteSocketPort() {
    const port = env().PGLITE_SOCKET_PORT;
    return port === undefined ? undefined : Number(port);
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
  /** Old session keys still accepted while NEXTAUTH_SECRET is rotated (see docs/SECURITY.md). */
  get previousSessionSecrets(): string[] {
    return (env().NEXTAUTH_SECRET_PREVIOUS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  },
  get session() {
    return { maxAgeSeconds: env().SESSION_MAX_AGE_SECONDS, idleSeconds: env().SESSION_IDLE_SECONDS };
  },
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges or proxy-addr's names). */
  get trustedProxies(): string[] {
    return trustedProxyList(env().TRUSTED_PROXIES ?? '');
  },
  /** Roles that must enrol in two-factor sign-in before anything else. */
  get require2faRoles(): Role[] {
    return roleList(env().REQUIRE_2FA_ROLES ?? '') as Role[];
  },
  get loginRateLimit() {
    return { attempts: env().LOGIN_RATE_LIMIT_ATTEMPTS, windowSeconds: env().LOGIN_RATE_LIMIT_WINDOW_SECONDS };
  },
  /** Credits one look-up costs (a whole number ≥ 0). */
  get searchCreditCost() {
    return env().SEARCH_CREDIT_COST;
  },
  /** How often the expiry job books due grant expiries (seconds, at most 60). */
  get creditExpiryIntervalSeconds() {
    return env().CREDIT_EXPIRY_INTERVAL_SECONDS;
  },
  /** Stripe: the secret key (unset: buying is off), the webhook signing secret, and another API base URL (a local fake). */
  get stripe() {
    const e = env();
    return { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiUrl: e.STRIPE_API_URL };
  },
  /** How often due auto top-ups are charged, and how long after a failed charge the next attempt waits (seconds). */
  get autoTopUp() {
    const e = env();
    return { intervalSeconds: e.AUTO_TOP_UP_INTERVAL_SECONDS, retrySeconds: e.AUTO_TOP_UP_RETRY_SECONDS };
  },
  get roblox() {
    const e = env();
    return {
      provider: e.ROBLOX_PROVIDER,
      usersApiUrl: e.ROBLOX_USERS_API_URL,
      apiUrls: {
        users: e.ROBLOX_USERS_API_URL,
        thumbnails: e.ROBLOX_THUMBNAILS_API_URL,
        friends: e.ROBLOX_FRIENDS_API_URL,
        groups: e.ROBLOX_GROUPS_API_URL,
      },
      timeoutMs: e.ROBLOX_TIMEOUT_MS,
      maxRetries: e.ROBLOX_MAX_RETRIES,
      /** 0: no cache. */
      cacheSeconds: e.ROBLOX_CACHE_SECONDS,
      ratePerMinute: e.ROBLOX_RATE_LIMIT_PER_MINUTE,
    };
  },
  /**
   * Who must ask before credits are booked: grants above `approvalThreshold` credits (undefined:
   * none), customer admins' grants to their own customer (`selfGrants`), and the credits one admin
   * may grant per UTC day (undefined: no cap). All unset: the guide's flow, unchanged.
   */
  get grantControls() {
    const e = env();
    return { approvalThreshold: e.GRANT_APPROVAL_THRESHOLD, selfGrants: e.CUSTOMER_ADMIN_SELF_GRANTS, dailyLimit: e.ADMIN_DAILY_GRANT_LIMIT };
  },
  /** Where the look-ups' cache and rate limits live: Redis when set, else the database. */
  get redisUrl() {
    return env().REDIS_URL;
  },
  /** Webhook delivery: SSRF guard, timeout, polling and the retry schedule (see README). */
  get webhooks() {
    const e = env();
    return {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      dispatchIntervalSeconds: e.WEBHOOK_DISPATCH_INTERVAL_SECONDS,
      retryBaseSeconds: e.WEBHOOK_RETRY_BASE_SECONDS,
      retryMaxSeconds: e.WEBHOOK_RETRY_MAX_SECONDS,
      retryWindowSeconds: e.WEBHOOK_RETRY_WINDOW_SECONDS,
      disableAfterSeconds: e.WEBHOOK_DISABLE_AFTER_SECONDS,
    };
  },
  /** The credits.low threshold of a customer that has none of its own. */
  get lowBalanceThreshold() {
    return env().LOW_BALANCE_THRESHOLD;
  },
  /** Alert emails: sent only when SMTP_URL is set. */
  get email() {
    return { smtpUrl: env().SMTP_URL, from: env().EMAIL_FROM };
  },
  /** Requests one API key may make a minute, across every instance. */
  get apiKeyRateLimit() {
    return env().API_KEY_RATE_LIMIT;
  },
};
