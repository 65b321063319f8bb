import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from '@/app/shared/csv';
import { Conditions, likePattern } from '@/app/lib/db/sql';

describe('Conditions (the WHERE builder)', () => {
  it('numbers placeholders in order, values never in the SQL text', () => {
    const w = new Conditions().add('a = ?', "x' OR 1=1 --").maybe('b = ?', undefined).maybe('c = ?', null).maybe('d = ?', 0);
    expect(w.sql).toBe('WHERE a = $1 AND d = $2');
    expect(w.params).toEqual(["x' OR 1=1 --", 0]);
    expect(`LIMIT ${w.param(25)} OFFSET ${w.param(50)}`).toBe('LIMIT $3 OFFSET $4');
  });

  it('is empty without conditions', () => {
    expect(new Conditions().sql).toBe('');
  });

  it('escapes LIKE wildcards so a search for 50% finds that text', () => {
    expect(likePattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});

describe('CSV fields (RFC 4180, spreadsheet-safe)', () => {
  it('quotes fields with commas, quotes and line breaks; doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('defuses formulas: =, +, -, @, tab and CR at the start get an apostrophe', () => {
    for (const f of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvField(f).replace(/^"/, '').startsWith("'")).toBe(true);
  });

  it('writes numbers as they are (negative amounts are not formulas) and null as empty', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
    expect(csvRow([1, 'a,b', null])).toBe('1,"a,b",\r\n');
  });
});
