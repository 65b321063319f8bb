import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '@/app/lib/json-keys';

describe('findDuplicateKey', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"amount":1,"description":"x","amount":10000}', 'amount'],
    ['{"a":{"b":1,"b":2}}', 'b'],
    ['[{"a":1},{"x":[1,{"y":2,"y":3}]}]', 'y'],
    ['{"\\u0061":1,"a":2}', 'a'],
  ])('finds the repeated key in %s', (text, key) => {
    expect(findDuplicateKey(text)).toBe(key);
  });

  it.each([
    '{"a":1,"b":{"a":2}}',
    '[{"a":1},{"a":2}]',
    '{"a":"\\"a\\":1,","b":["a","a"]}',
    '{"a,b":1,"a":2}',
    '"a"',
    '{}',
  ])('accepts %s', (text) => {
    expect(findDuplicateKey(text)).toBeNull();
  });
});
