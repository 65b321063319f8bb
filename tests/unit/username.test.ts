import { describe, expect, it } from 'vitest';
import { normalizeUsername } from '@/app/lib/auth/username';

describe('normalizeUsername: one form for every look-up and every sign-in limit', () => {
  it('trims and lower-cases ASCII letters only', () => {
    expect(normalizeUsername('  Limit-Victim ')).toBe('limit-victim');
    expect(normalizeUsername('ADMIN')).toBe('admin');
    expect(normalizeUsername('a.b_c@d-e')).toBe('a.b_c@d-e');
  });

  it('a spelling no account can have (non-ASCII, too short or long, other characters) reaches none', () => {
    for (const s of ['l\u0130mit-victim', 'LIMIT-V\u0130CTIM', 'limit-vi\u0307ctim', 'ｌimit', 'ad\u200bmin', 'ab', 'x'.repeat(65), 'a b c', '', 'admin\u0000']) {
      expect(normalizeUsername(s), JSON.stringify(s)).toBeNull();
    }
  });
});
