import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, parseEnv } from '@/app/lib/config';

const ROOT = path.resolve(__dirname, '../..');
// Set by Next itself or read by NextAuth internally, not configuration of ours.
const FRAMEWORK = new Set(['NEXT_RUNTIME', 'AUTH_TRUST_HOST', 'NEXTAUTH_URL']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : /\.(ts|tsx|mjs|cjs|js)$/.test(e.name) ? [full] : [];
  });
}

const readmeVariables = new Set(
  [...fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!),
);

describe('configuration', () => {
  it('every variable the app reads is in the README table', () => {
    const read = new Set<string>(ENV_NAMES);
    for (const file of [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'scripts'))]) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) read.add(m[1]!);
    }
    const missing = [...read].filter((n) => !readmeVariables.has(n) && !FRAMEWORK.has(n));
    expect(missing).toEqual([]);
  });

  it('outside config.ts, src/ reads no variable of its own', () => {
    const strays: string[] = [];
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      if (file.endsWith(path.join('lib', 'config.ts'))) continue;
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) {
        if (!FRAMEWORK.has(m[1]!)) strays.push(`${path.relative(ROOT, file)}: ${m[1]}`);
      }
    }
    expect(strays).toEqual([]);
  });

  it('defaults when unset; a bad value is refused with a message naming the variable', () => {
    const env = parseEnv({});
    expect(env.SEARCH_CREDIT_COST).toBe(1);
    expect(env.LOGIN_RATE_LIMIT_ATTEMPTS).toBe(10);
    expect(env.ROBLOX_USERS_API_URL).toBe('https://users.roblox.com');
    expect(() => parseEnv({ SEARCH_CREDIT_COST: '1.5' })).toThrow(/SEARCH_CREDIT_COST must be a whole number/);
    expect(() => parseEnv({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => parseEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must be a postgres: or postgresql: URL/);
    expect(() => parseEnv({ ROBLOX_PROVIDER: 'mock' })).toThrow(/ROBLOX_PROVIDER must be live or fixture/);
    expect(() => parseEnv({ ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD must be at least 8 characters/);
    expect(() => parseEnv({ ROBLOX_TIMEOUT_MS: '5s', LOGIN_RATE_LIMIT_ATTEMPTS: '-1' })).toThrow(/ROBLOX_TIMEOUT_MS.*LOGIN_RATE_LIMIT_ATTEMPTS|LOGIN_RATE_LIMIT_ATTEMPTS.*ROBLOX_TIMEOUT_MS/);
  });
});
