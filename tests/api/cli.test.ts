/**
 * The roblox-tool CLI (issue 14 item 3), run as a user runs it (`node cli/roblox-tool.mjs`, the
 * package's bin, plain Node, no build step) against the live test server with an API key.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiKeyClient, server, superAdmin, tenant, type ApiClient } from '../support/api';
import { routeMethods } from '../../scripts/routes';

const BIN = path.resolve(__dirname, '../../cli/roblox-tool.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } as unknown as NodeJS.ProcessEnv, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let admin: ApiClient;
let A: Awaited<ReturnType<typeof tenant>>;
let B: Awaited<ReturnType<typeof tenant>>;
let env: Record<string, string>;
let adminOfAEnv: Record<string, string>;

beforeAll(async () => {
  admin = await superAdmin();
  A = await tenant(admin, { credits: 10 });
  B = await tenant(admin, { credits: 10 });
  const platform = await apiKeyClient(admin, { permissions: ['credits.add', 'credits.deduct', 'credits.read', 'customers.read'] });
  env = { ROBLOX_TOOL_URL: server().baseUrl, ROBLOX_TOOL_API_KEY: platform.key };
  const ca = await A.makeUser('CUSTOMER_ADMIN');
  const own = await apiKeyClient(ca.client, { permissions: ['credits.add', 'customers.read'] });
  adminOfAEnv = { ROBLOX_TOOL_URL: server().baseUrl, ROBLOX_TOOL_API_KEY: own.key };
});

const balanceOf = async (id: number) => (await admin.expectJson(admin.get(`/api/admin/customers/${id}/credits`), 200)).balance as number;

describe('roblox-tool', () => {
  it('credits add / deduct change the balance and say so; --json prints the API answer', async () => {
    const add = await cli(['credits', 'add', '--customer', String(A.customer.id), '--amount', '100', '--description', 'Q4 promotion'], env);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(new RegExp(`^Added 100 credits to customer ${A.customer.id}: balance 10 → 110 \\(transaction #\\d+\\)\\n$`));
    expect(await balanceOf(A.customer.id)).toBe(110);

    const deduct = await cli(['credits', 'deduct', '--customer', String(A.customer.id), '--amount', '30', '--description', 'Correction', '--json'], env);
    expect(deduct.code).toBe(0);
    const body = JSON.parse(deduct.stdout);
    expect(body).toMatchObject({ success: true, transaction: { amount: -30, balanceBefore: 110, balanceAfter: 80 } });
    expect(await balanceOf(A.customer.id)).toBe(80);
  });

  it('an Idempotency-Key makes a retried add count once', async () => {
    const args = ['credits', 'add', '--customer', String(B.customer.id), '--amount', '5', '--description', 'retry me', '--idempotency-key', `cli-${Date.now()}`];
    expect((await cli(args, env)).code).toBe(0);
    expect((await cli(args, env)).code).toBe(0);
    expect(await balanceOf(B.customer.id)).toBe(15);
  });

  it('credits list and customers list, as tables or JSON, filtered', async () => {
    const list = await cli(['credits', 'list', '--customer', String(A.customer.id)], env);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+TIME\s+CUSTOMER\s+TYPE\s+AMOUNT\s+BALANCE\s+DESCRIPTION$/);
    expect(list.stdout).toContain('Q4 promotion');
    expect(list.stdout).toMatch(/3 of 3 transactions, page 1/);
    const rows = JSON.parse((await cli(['--json', 'credits', 'list', '--customer', String(A.customer.id)], env)).stdout);
    expect(rows.items.map((t: any) => t.amount)).toEqual([-30, 100, 10]);

    const customers = await cli(['customers', 'list', '--search', A.customer.name], env);
    expect(customers.code).toBe(0);
    expect(customers.stdout).toContain(A.customer.name);
    expect(customers.stdout).toContain('80');
    expect(customers.stdout).toMatch(/1 of 1 customers/);
    const json = JSON.parse((await cli(['customers', 'list', '--search', A.customer.name, '--json'], env)).stdout);
    expect(json.items).toEqual([expect.objectContaining({ id: A.customer.id, creditBalance: 80 })]);
  });

  it("a refusal prints the API's message and exits non-zero, changing nothing", async () => {
    const over = await cli(['credits', 'add', '--customer', String(A.customer.id), '--amount', '10001', '--description', 'x'], env);
    expect(over.code).toBe(1);
    expect(over.stdout).toBe('');
    expect(over.stderr).toContain('Error: Maximum 10,000 credits exceeded');
    const foreign = await cli(['credits', 'add', '--customer', String(B.customer.id), '--amount', '1', '--description', 'x'], adminOfAEnv);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('You can only add credits to your own customer account');
    const forbidden = await cli(['credits', 'deduct', '--customer', String(A.customer.id), '--amount', '1', '--description', 'x'], adminOfAEnv);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('This API key does not have the credits.deduct permission');
    const tooMuch = await cli(['credits', 'deduct', '--customer', String(A.customer.id), '--amount', '5000', '--description', 'x', '--json'], env);
    expect(tooMuch.code).toBe(1);
    expect(JSON.parse(tooMuch.stdout)).toMatchObject({ status: 409 });
    const badKey = await cli(['customers', 'list'], { ...env, ROBLOX_TOOL_API_KEY: 'rtk_not-a-key' });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('Unauthorized - Invalid API key');
    expect(await balanceOf(A.customer.id)).toBe(80);
    expect(await balanceOf(B.customer.id)).toBe(15);
  });

  it('bad usage exits non-zero and missing settings exit 2, each with a message', async () => {
    const missing = await cli(['credits', 'add', '--customer', '1', '--amount', '1'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--description <text>' not specified");
    const noUrl = await cli(['customers', 'list'], { ROBLOX_TOOL_API_KEY: 'rtk_x' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('ROBLOX_TOOL_URL is not set');
    const noKey = await cli(['customers', 'list'], { ROBLOX_TOOL_URL: server().baseUrl });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('ROBLOX_TOOL_API_KEY is not set');
    const badId = await cli(['credits', 'list', '--customer', 'abc'], env);
    expect(badId.code).not.toBe(0);
    expect(badId.stderr).toContain('must be a positive whole number');
  });

  it('--help for every command', async () => {
    for (const args of [[], ['credits'], ['credits', 'add'], ['credits', 'deduct'], ['credits', 'list'], ['credits', 'bulk'], ['customers'], ['customers', 'list']]) {
      const help = await cli([...args, '--help'], {});
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: roblox-tool${args.length ? ` ${args.join(' ')}` : ''} `));
    }
    expect((await cli(['credits', 'bulk', '--help'], {})).stdout).toContain('--dry-run');
  });
});

// The bulk endpoint (issue 13 item 1) is built on another branch: this runs once it is here, with
// a platform key holding whatever permissions its routes declare.
const bulkRoutes = (await routeMethods()).filter((r) => r.route.startsWith('/api/admin/credits/bulk') && r.spec);
const hasBulk = bulkRoutes.some((r) => r.route === '/api/admin/credits/bulk' && r.method === 'POST');

describe.skipIf(!hasBulk)('roblox-tool credits bulk (needs POST /api/admin/credits/bulk)', () => {
  beforeAll(async () => {
    const permissions = [...new Set(bulkRoutes.map((r) => r.spec!.permission))];
    env = { ...env, ROBLOX_TOOL_API_KEY: (await apiKeyClient(admin, { permissions })).key };
  });

  const csvFile = (text: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rt-cli-')), 'grants.csv');
    fs.writeFileSync(file, text);
    return file;
  };

  it('--dry-run shows every row and the totals and grants nothing', async () => {
    const file = csvFile(`customerId,amount,description\n${A.customer.id},7,Promo\n${B.customer.id},0,Bad\n`);
    const before = [await balanceOf(A.customer.id), await balanceOf(B.customer.id)];
    const run = await cli(['credits', 'bulk', '--file', file, '--dry-run'], env);
    expect(run.stdout).toMatch(/1 valid, 1 invalid rows; 7 credits would be granted/);
    expect(run.code).toBe(1);
    expect([await balanceOf(A.customer.id), await balanceOf(B.customer.id)]).toEqual(before);
  });

  it('grants each row with a progress bar; the same file again grants nothing more', async () => {
    const file = csvFile(`customerId,amount,description\n${A.customer.id},3,Bulk A\n${B.customer.id},4,Bulk B\n`);
    const before = [await balanceOf(A.customer.id), await balanceOf(B.customer.id)];
    const run = await cli(['credits', 'bulk', '--file', file, '--poll-ms', '100'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Granting .* 2\/2 rows/);
    expect(run.stdout).toMatch(/2 of 2 rows granted, 0 failed/);
    expect((await cli(['credits', 'bulk', '--file', file, '--json'], env)).code).toBe(0);
    expect([await balanceOf(A.customer.id), await balanceOf(B.customer.id)]).toEqual([before[0]! + 3, before[1]! + 4]);
  });
});
