import 'server-only';
import { BULK_COLUMNS, REQUIRED_BULK_COLUMNS } from '@/app/shared/bulk';

/** One record of a CSV file and the line it starts on (1 = the header). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvError extends Error {}

/**
 * RFC 4180, strictly: a quote opens a field or doesn't appear unescaped in it, and a quoted field
 * is closed. A broken file is refused whole (CsvError, naming the line) rather than guessed at,
 * since a misread quote would shift every later value into the wrong column.
 */
export function parseCsv(input: string): CsvRecord[] {
  const text = input.replace(/^\uFEFF/, '');
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '' || wasQuoted) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
        const next = text[i + 1];
        if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
          throw new CsvError(`Line ${line}: text after a closing quote; write a quote inside a quoted field as ""`);
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '' || wasQuoted) throw new CsvError(`Line ${line}: a quote inside an unquoted field; quote the whole field and write the quote as ""`);
      quoted = wasQuoted = true;
      quoteLine = line;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      wasQuoted = false;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      recordLine = ++line;
    } else {
      field += c;
    }
  }
  if (quoted) throw new CsvError(`Line ${quoteLine}: a quoted field is never closed`);
  endRecord();
  return records;
}

export interface BulkRow {
  line: number;
  fields: Record<string, unknown>;
  /** What is wrong with the line before its values are looked at (a wrong number of fields). */
  problem?: string;
}

const NUMERIC = new Set(['customerId', 'amount']);

/**
 * A bulk upload's CSV as rows: the header names the columns (`customerId,amount,description`, and
 * optionally `expiresAt,category`, any order, any case). Whole numbers become numbers and empty
 * optional cells are absent, so the rows meet the same checks as JSON rows.
 */
export function csvRows(text: string): BulkRow[] {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new CsvError('The CSV is empty: its first line must be the header customerId,amount,description');
  const columns = header.fields.map((name) => {
    const known = BULK_COLUMNS.find((c) => c.toLowerCase() === name.trim().toLowerCase());
    if (!known) throw new CsvError(`Unknown column "${name.trim()}": the columns are ${BULK_COLUMNS.join(', ')}`);
    return known;
  });
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate) throw new CsvError(`The column ${duplicate} appears twice`);
  const missing = REQUIRED_BULK_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) throw new CsvError(`Missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the header must name customerId,amount,description`);
  return records.map(({ line, fields }) => {
    if (fields.length !== columns.length) {
      return { line, fields: {}, problem: `Expected ${columns.length} fields, found ${fields.length}` };
    }
    const row: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const value = fields[i]!;
      if (NUMERIC.has(c)) row[c] = /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
      else if (value !== '' || REQUIRED_BULK_COLUMNS.includes(c as never)) row[c] = value;
    });
    return { line, fields: row };
  });
}
