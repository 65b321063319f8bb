import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { addCredits, consumeCredits } from '@/app/lib/credits';
import { migrate } from '@/app/lib/db/migrate';
import { openPglite } from '@/app/lib/db/pglite';
import { readPgliteTemplate } from '@/app/lib/db/pglite-template';
import { openPostgres } from '@/app/lib/db/postgres';
import type { Db } from '@/app/lib/db/types';
import { createPostgresDatabase } from '../support/db';
import { onPostgres } from '../support/env';
import { newCustomer } from '../support/ledger-fixtures';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

/** `npm run ledger:verify`: prints { ok, checked, firstBadTransactionId }, exits 0 when intact and 1 when a row was edited. */
async function verifyCli(env: Record<string, string>): Promise<{ code: number; out: unknown }> {
  const base = { ...process.env, ...env };
  if (!env.DATABASE_URL) delete base.DATABASE_URL;
  try {
    const { stdout } = await run('npm', ['run', '--silent', 'ledger:verify'], { cwd: ROOT, env: base });
    return { code: 0, out: JSON.parse(stdout.trim().split('\n').at(-1)!) };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: JSON.parse(e.stdout.trim().split('\n').at(-1)!) };
  }
}

describe('npm run ledger:verify', () => {
  it('exits 0 on an intact ledger and 1, naming the row, after an edit behind the triggers\' back', async () => {
    let env: Record<string, string>;
    let open: () => Promise<Db>;
    let cleanup: () => Promise<void>;
    if (onPostgres) {
      const created = await createPostgresDatabase();
      env = { DATABASE_URL: created.url };
      open = async () => openPostgres(created.url, { max: 2 });
      cleanup = created.drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-verify-'));
      env = { PGLITE_DATA_DIR: dir };
      open = () => openPglite(dir, { template: readPgliteTemplate });
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    }
    try {
      let db = await open();
      await migrate(db);
      const c = await newCustomer(db);
      await addCredits(db, { customerId: c, userId: null, type: 'purchase', amount: 10, description: 'x' });
      const victim = await consumeCredits(db, { customerId: c, userId: null, amount: 2, description: 'look-up' });
      await db.close();
      expect(await verifyCli(env)).toEqual({ code: 0, out: { ok: true, checked: 2, firstBadTransactionId: null } });

      db = await open();
      await db.exec(`ALTER TABLE credit_transactions DISABLE TRIGGER USER;
        UPDATE credit_transactions SET amount = -1, balance_after = balance_before - 1 WHERE id = ${victim.id};
        ALTER TABLE credit_transactions ENABLE TRIGGER USER;`);
      await db.close();
      expect(await verifyCli(env)).toEqual({ code: 1, out: { ok: false, checked: 2, firstBadTransactionId: victim.id } });
    } finally {
      await cleanup();
    }
    // Two `npm run` starts of tsx (and, on PGlite, two openings of a data directory) on a busy machine.
  }, 240_000);
});
