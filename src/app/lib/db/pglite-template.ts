import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadMigrations, migrate } from './migrate';
import { openPglite } from './pglite';

/**
 * A migrated, empty embedded database, dumped once after each build, so a first `npm start` (and
 * each PGlite test database) loads it instead of running initdb and every migration. It is named
 * by the migrations it contains: after a schema change it is simply not found, and the slow path
 * runs.
 */
export function pgliteTemplatePath(): string {
  const fingerprint = crypto
    .createHash('sha256')
    .update(loadMigrations().map((m) => `${m.version}:${m.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return path.join(/*turbopackIgnore: true*/ process.cwd(), '.next', 'pglite-template', `${fingerprint}.tar.gz`);
}

export function readPgliteTemplate(): Blob | undefined {
  const file = pgliteTemplatePath();
  return fs.existsSync(file) ? new Blob([fs.readFileSync(file)]) : undefined;
}

export async function writePgliteTemplate(): Promise<string> {
  const db = await openPglite();
  try {
    await migrate(db);
    const file = pgliteTemplatePath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, Buffer.from(await (await db.dump()).arrayBuffer()));
    fs.renameSync(`${file}.tmp`, file); // never a half-written template
    return file;
  } finally {
    await db.close();
  }
}
