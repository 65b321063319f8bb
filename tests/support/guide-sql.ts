/**
 * The SQL of the admin guide, read out of the guide at test time: every statement of every
 * SQL-looking fenced block that contains a SELECT, with the section it stands under.
 */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const OWN_GUIDE = path.join(ROOT, 'ADMIN_CREDIT_MANAGEMENT_GUIDE.md');
export const GUIDE = fs.existsSync(OWN_GUIDE) ? OWN_GUIDE : path.resolve(ROOT, '../shared/guide/ADMIN_CREDIT_MANAGEMENT_GUIDE.txt');
export const PLACEHOLDER = 'YOUR_CUSTOMER_ID';

export const SECTIONS = [
  'Step 2: Verify the Migration',
  'Viewing Transaction History',
  'Check Customer Credit Balances',
  'Recent Credit Additions',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface GuideQuery {
  section: Section | undefined;
  sql: string;
}

/** Splits SQL text into statements at top-level semicolons (not inside quotes or comments). */
function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      const end = close < 0 ? text.length : close + 1;
      current += text.slice(i, end);
      i = end - 1;
    } else if (ch === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? text.length : nl;
      current += text.slice(i, end);
      i = end - 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? text.length : close + 2;
      current += text.slice(i, end);
      i = end - 1;
    } else if (ch === ';') {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  const hasSql = (s: string) => s.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim() !== '';
  return out.filter(hasSql).map((s) => s.trim());
}

/** Every statement of every SQL-looking fenced block (``` or ```sql/psql/…) that contains a SELECT. */
function guideQueries(text: string): GuideQuery[] {
  const queries: GuideQuery[] = [];
  for (const fence of text.matchAll(/^[ \t]*```[ \t]*([\w-]*)[ \t]*\n([\s\S]*?)^[ \t]*```/gm)) {
    const lang = fence[1]!.toLowerCase();
    const body = fence[2]!;
    if (!['', 'sql', 'psql', 'pgsql', 'postgres', 'postgresql'].includes(lang) || !/\bSELECT\b/i.test(body)) continue;
    // The section is the nearest of the known headings above the block.
    let section: Section | undefined;
    let best = -1;
    for (const title of SECTIONS) {
      const at = text.lastIndexOf(title, fence.index);
      if (at > best) [best, section] = [at, title];
    }
    for (const sql of splitStatements(body)) queries.push({ section, sql });
  }
  return queries;
}


/** The guide's queries, in the order they appear. */
export function readGuideQueries(): GuideQuery[] {
  return guideQueries(fs.readFileSync(GUIDE, 'utf8'));
}
