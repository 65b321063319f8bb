/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (=, +, -, @ …) is
 * prefixed with an apostrophe, so an exported description can't execute in Excel.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvRow = (values: Array<string | number | null>) => `${values.map(csvField).join(',')}\r\n`;
