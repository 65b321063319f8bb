#!/usr/bin/env node
/**
 * roblox-tool: the credit API from a terminal or a script (`npx roblox-tool --help`). Talks to
 * ROBLOX_TOOL_URL with the API key in ROBLOX_TOOL_API_KEY; `--json` prints the API's answers as
 * they are. A refused request prints the API's message and exits with status 1 (2: bad usage).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { call, CliError, query, settings } from './api.mjs';

const { version } = createRequire(import.meta.url)('../package.json');

/** A whole number as typed; anything else is sent as typed, so the API's own message explains it. */
const wholeOr = (raw) => (/^-?\d{1,15}$/.test(raw) ? Number(raw) : raw);
const positiveId = (raw) => {
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw new InvalidArgumentError('must be a positive whole number');
  return Number(raw);
};

const program = new Command('roblox-tool')
  .description('Manage roblox-tool credits and customers through its API (ROBLOX_TOOL_URL, ROBLOX_TOOL_API_KEY)')
  .version(version)
  .option('--json', 'print the API answers as JSON (for scripts)')
  .showHelpAfterError('(add --help for usage)');

const json = () => program.opts().json === true;
const out = (line) => process.stdout.write(`${line}\n`);
const print = (body, human) => (json() ? out(JSON.stringify(body, null, 2)) : human(body));

/** A plain table: columns padded to their widest cell. */
function table(headers, rows) {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  for (const r of cells) out(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}

const api = () => settings();

const credits = program.command('credits').description('add, deduct, list and bulk-grant credits');

credits
  .command('add')
  .description("add credits to a customer (the guide's manual admin addition)")
  .requiredOption('--customer <id>', 'customer ID', positiveId)
  .requiredOption('--amount <n>', 'credits to add (1-10,000)', wholeOr)
  .requiredOption('--description <text>', 'why (kept in the audit trail)')
  .option('--category <kind>', 'paid or promotional (default promotional)')
  .option('--expires-at <time>', 'when the credits expire (ISO-8601 with a zone, e.g. 2026-01-31T00:00:00Z)')
  .option('--idempotency-key <key>', 'a retry with the same key adds nothing more')
  .action(async (o) => {
    const body = { customerId: o.customer, amount: o.amount, description: o.description, category: o.category, expiresAt: o.expiresAt };
    const headers = o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {};
    const res = await call(api(), 'POST', '/api/admin/credits/add', { body, headers });
    print(res, ({ transaction: t }) => out(`Added ${t.amount} credits to customer ${t.customerId}: balance ${t.balanceBefore} → ${t.balanceAfter} (transaction #${t.id})`));
  });

credits
  .command('deduct')
  .description("take credits off a customer's balance")
  .requiredOption('--customer <id>', 'customer ID', positiveId)
  .requiredOption('--amount <n>', 'credits to deduct', wholeOr)
  .requiredOption('--description <text>', 'why (kept in the audit trail)')
  .option('--idempotency-key <key>', 'a retry with the same key deducts nothing more')
  .action(async (o) => {
    const headers = o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {};
    const res = await call(api(), 'POST', '/api/admin/credits/deduct', { body: { customerId: o.customer, amount: o.amount, description: o.description }, headers });
    print(res, ({ transaction: t }) => out(`Deducted ${-t.amount} credits from customer ${t.customerId}: balance ${t.balanceBefore} → ${t.balanceAfter} (transaction #${t.id})`));
  });

credits
  .command('list')
  .description('credit transactions, newest first')
  .option('--customer <id>', "only this customer's", positiveId)
  .option('--page <n>', 'page (from 1)', positiveId)
  .option('--page-size <n>', 'rows a page (up to 100)', positiveId)
  .action(async (o) => {
    const res = await call(api(), 'GET', `/api/admin/credits/transactions${query({ customerId: o.customer, page: o.page, pageSize: o.pageSize })}`);
    print(res, (r) => {
      table(
        ['ID', 'TIME', 'CUSTOMER', 'TYPE', 'AMOUNT', 'BALANCE', 'DESCRIPTION'],
        r.items.map((t) => [t.id, t.createdAt, `${t.customerName} (#${t.customerId})`, t.type, t.amount, t.balanceAfter, t.description]),
      );
      out(`${r.items.length} of ${r.total}${r.totalIsEstimate ? ' (about)' : ''} transactions, page ${r.page}`);
    });
  });

credits
  .command('bulk')
  .description('grant credits to many customers from a CSV file (customerId,amount,description[,expiresAt,category])')
  .requiredOption('--file <path>', 'the CSV file')
  .option('--dry-run', 'check every row and show the totals; grant nothing')
  .option('--idempotency-key <key>', "the batch's key (default: derived from the file, so running the same file twice grants once)")
  .option('--poll-ms <ms>', 'how often to ask for progress', positiveId, 500)
  .action(async (o) => {
    let text;
    try {
      text = fs.readFileSync(o.file, 'utf8');
    } catch (err) {
      throw new CliError(`Cannot read ${o.file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { exitCode: 2 });
    }
    const body = { text, contentType: 'text/csv' };
    const a = api();
    if (o.dryRun) {
      const res = await call(a, 'POST', '/api/admin/credits/bulk?dryRun=true', { body });
      print(res, (r) => {
        table(['LINE', 'CUSTOMER', 'AMOUNT', 'OK', 'ERROR'], r.rows.map((row) => [row.line, row.customerName ? `${row.customerName} (#${row.customerId})` : row.customerId, row.amount, row.ok ? 'yes' : 'no', row.error]));
        out(`${r.valid} valid, ${r.invalid} invalid rows; ${r.totalCredits} credits would be granted (dry run: nothing was granted)`);
      });
      if (res.invalid > 0) process.exitCode = 1;
      return;
    }
    const key = o.idempotencyKey ?? `bulk-${crypto.createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    const { batchId } = await call(a, 'POST', '/api/admin/credits/bulk', { body, headers: { 'idempotency-key': key } });
    const bar = json()
      ? null
      : new cliProgress.SingleBar(
          { format: 'Granting [{bar}] {value}/{total} rows | {succeeded} ok, {failed} failed', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 1000 },
          cliProgress.Presets.shades_classic,
        );
    let batch = await call(a, 'GET', `/api/admin/credits/bulk/${encodeURIComponent(batchId)}`);
    bar?.start(batch.total, batch.processed, { succeeded: batch.succeeded, failed: batch.failed });
    while (batch.status === 'running') {
      await new Promise((r) => setTimeout(r, o.pollMs));
      batch = await call(a, 'GET', `/api/admin/credits/bulk/${encodeURIComponent(batchId)}`);
      bar?.setTotal(batch.total);
      bar?.update(batch.processed, { succeeded: batch.succeeded, failed: batch.failed });
    }
    bar?.stop();
    print({ batchId, ...batch }, (b) => {
      for (const row of b.rows ?? []) if (!row.ok) out(`line ${row.line}: ${row.error}`);
      out(b.status === 'done' ? `Batch ${batchId}: ${b.succeeded} of ${b.total} rows granted, ${b.failed} failed` : `Batch ${batchId} is ${b.status}`);
    });
    if (batch.failed > 0) process.exitCode = 1;
  });

program
  .command('customers')
  .description('customers')
  .command('list')
  .description('customers with their balances')
  .option('--search <text>', 'name contains')
  .option('--page <n>', 'page (from 1)', positiveId)
  .option('--page-size <n>', 'rows a page (up to 100)', positiveId)
  .action(async (o) => {
    const res = await call(api(), 'GET', `/api/admin/customers${query({ search: o.search, page: o.page, pageSize: o.pageSize })}`);
    print(res, (r) => {
      table(['ID', 'NAME', 'STATUS', 'BALANCE', 'USERS', 'CONTACT'], r.items.map((c) => [c.id, c.name, c.status, c.creditBalance, c.userCount, c.contactEmail]));
      out(`${r.items.length} of ${r.total} customers, page ${r.page}`);
    });
  });

/** The API's message (and each field's), on stderr; with --json the error body too, on stdout. */
function fail(err) {
  if (!(err instanceof CliError)) {
    process.stderr.write(`roblox-tool: ${err?.stack ?? err}\n`);
    process.exit(1);
  }
  if (json()) out(JSON.stringify({ error: err.message, details: err.details ?? null, code: err.code ?? null, status: err.status ?? null }, null, 2));
  const details = err.details;
  let line = `Error: ${err.message}`;
  if (typeof details === 'string' && details && details !== err.message) line += `: ${details}`;
  process.stderr.write(`${line}\n`);
  if (details && typeof details === 'object') for (const [k, v] of Object.entries(details)) process.stderr.write(`  ${k}: ${v}\n`);
  process.exit(err.exitCode);
}

program.parseAsync(process.argv).catch(fail);
