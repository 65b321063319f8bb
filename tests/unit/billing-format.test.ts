import { describe, expect, it } from 'vitest';
import { formatMoney, receiptNumber } from '@/app/shared/billing';

describe('money and receipt numbers as people read them', () => {
  it('formats minor units by the currency’s own decimals', () => {
    expect(formatMoney(1000, 'usd')).toBe('$10.00');
    expect(formatMoney(1250, 'EUR')).toBe('€12.50');
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(formatMoney(1, 'gbp')).toBe('£0.01');
    expect(formatMoney(1234, 'kwd')).toMatch(/^KWD\s1\.234$/);
  });

  it('numbers receipts by year and purchase id', () => {
    expect(receiptNumber(42, '2026-03-01T10:00:00.000Z')).toBe('RT-2026-000042');
    expect(receiptNumber(1234567, '2027-01-01T00:00:00.000Z')).toBe('RT-2027-1234567');
  });
});
