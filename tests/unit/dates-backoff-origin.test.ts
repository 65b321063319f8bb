import { describe, expect, it } from 'vitest';
import { assertSameOrigin } from '@/app/lib/http/csrf';
import { backoff, retryAfterSeconds } from '@/app/lib/searches/roblox/client';
import { isoDate } from '@/app/lib/validation';

describe('ISO-8601 date parsing', () => {
  it('accepts dates and date-times with zone', () => {
    for (const s of ['2026-01-31', '2026-01-31T12:00', '2026-01-31T12:00:00Z', '2026-01-31T12:00:00.123+02:00']) {
      expect(isoDate.safeParse(s).success, s).toBe(true);
    }
  });

  it('refuses impossible days (no rolling over), other formats and junk', () => {
    for (const s of ['2026-02-30', '2026-13-01', '2026-1-5', '31/01/2026', 'yesterday', '2026-01-31 12:00', '']) {
      expect(isoDate.safeParse(s).success, s).toBe(false);
    }
    expect(isoDate.safeParse('2024-02-29').success).toBe(true);
    expect(isoDate.safeParse('2025-02-29').success).toBe(false);
  });
});

describe('retry backoff', () => {
  it('grows exponentially with jitter and never waits more than 2 s', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ms = backoff(attempt, 100, null);
      expect(ms).toBeGreaterThanOrEqual(Math.min(2_000, 100 * 2 ** attempt * 0.5));
      expect(ms).toBeLessThanOrEqual(Math.min(2_000, 100 * 2 ** attempt * 1.5));
    }
  });

  it('honours Retry-After up to the cap: seconds or an HTTP date, an unreadable one ignored', () => {
    expect(backoff(0, 1, retryAfterSeconds('1'))).toBe(1_000);
    expect(backoff(0, 1, retryAfterSeconds('60'))).toBe(2_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:02 GMT', now)).toBe(2);
    expect(retryAfterSeconds('soon')).toBeNull();
    expect(backoff(0, 1, retryAfterSeconds('soon'))).toBeLessThan(2);
  });
});

describe('same-origin check (CSRF)', () => {
  const req = (method: string, headers: Record<string, string>) => new Request('http://app.example/api/x', { method, headers: { host: 'app.example', ...headers } });
  const refused = (r: Request) => {
    try {
      assertSameOrigin(r);
      return false;
    } catch {
      return true;
    }
  };

  it('lets reads through and writes from our own origin or from non-browser clients (no Origin)', () => {
    expect(refused(req('GET', { origin: 'https://evil.example' }))).toBe(false);
    expect(refused(req('POST', { origin: 'http://app.example' }))).toBe(false);
    expect(refused(req('POST', {}))).toBe(false);
  });

  it('refuses cross-site writes: another Origin, Origin null, Sec-Fetch-Site cross-site, a malformed Origin', () => {
    expect(refused(req('POST', { origin: 'https://evil.example' }))).toBe(true);
    expect(refused(req('POST', { origin: 'null' }))).toBe(true);
    expect(refused(req('DELETE', { 'sec-fetch-site': 'cross-site' }))).toBe(true);
    expect(refused(req('PATCH', { origin: 'not a url' }))).toBe(true);
  });
});
