import { describe, expect, it } from 'vitest';
import { inspectJson } from '@/app/lib/http/json-keys';

const findDuplicateKey = (text: string) => inspectJson(text).duplicate;

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

  it('measures the deepest nesting', () => {
    expect(inspectJson('{"a":[1,{"b":[[2]]}]}').depth).toBe(5);
    expect(inspectJson('"flat"').depth).toBe(0);
    expect(inspectJson('['.repeat(5000) + ']'.repeat(5000)).depth).toBe(5000);
  });
});
