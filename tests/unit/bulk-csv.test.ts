import { describe, expect, it } from 'vitest';
import { csvRows, CsvError, parseCsv } from '@/app/lib/grants-ops/csv-input';
import { bulkCsvSchema } from '@/app/lib/grants-ops/schemas';

/** The bulk upload's CSV reader: RFC 4180 read strictly, and the header naming the columns. */
describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, and numbers each record by its first line', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\n"two\nlines",z\n\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['two\nlines', 'z'] },
    ]);
  });

  it.each([
    ['an unclosed quote', 'a,b\n1,"never closed\n2,3\n', 'Line 2: a quoted field is never closed'],
    ['text after a closing quote', 'a,b\n1,"x"y\n', 'Line 2: text after a closing quote'],
    ['a quote inside an unquoted field', 'a,b\n1,ab"c\n', 'Line 2: a quote inside an unquoted field'],
  ])('refuses %s, naming the line', (_label, text, message) => {
    expect(() => parseCsv(text)).toThrow(CsvError);
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe('csvRows', () => {
  it('maps the header (any order and case), turns whole numbers into numbers and drops empty optional cells', () => {
    const rows = csvRows('\uFEFFAmount,customerid,Description,category,expiresAt\n100,7,Q4 promo,,\n1.5,x,"Bonus, big",paid,2099-01-01T00:00:00Z\n');
    expect(rows).toEqual([
      { line: 2, fields: { amount: 100, customerId: 7, description: 'Q4 promo' } },
      { line: 3, fields: { amount: 1.5, customerId: 'x', description: 'Bonus, big', category: 'paid', expiresAt: '2099-01-01T00:00:00Z' } },
    ]);
  });

  it('marks a line with the wrong number of fields without refusing the file', () => {
    expect(csvRows('customerId,amount,description\n1,2\n')).toEqual([{ line: 2, fields: {}, problem: 'Expected 3 fields, found 2' }]);
  });

  it.each([
    ['', 'The CSV is empty'],
    ['customerId,amount\n1,2\n', 'Missing column description'],
    ['customerId,amount,description,note\n', 'Unknown column "note"'],
    ['customerId,amount,description,amount\n', 'The column amount appears twice'],
  ])('refuses a bad header: %j', (text, message) => {
    expect(() => csvRows(text)).toThrow(message);
  });

  it('as the route schema: a broken quote is one validation error for the whole upload, more than 10,000 rows another', () => {
    const broken = bulkCsvSchema.safeParse('customerId,amount,description\n1,5,"open\n');
    expect(broken.success).toBe(false);
    expect(broken.error!.issues[0]!.message).toBe('Line 2: a quoted field is never closed');
    const many = bulkCsvSchema.safeParse(`customerId,amount,description\n${'1,1,x\n'.repeat(10_001)}`);
    expect(many.error!.issues[0]!.message).toBe('At most 10,000 rows per upload, got 10,001');
  });
});
