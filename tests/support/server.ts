import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain CommonJS helper shared with `npm start`
import { buildIfStale, root } from '../../scripts/build-if-stale.cjs';
import { createPostgresDatabase } from './db';
import { TEST_DATABASE_URL } from './env';

export interface RunningServer {
  baseUrl: string;
  pid: number;
  adminUsername: string;
  adminPassword: string;
  /** The server's own PostgreSQL database (undefined on PGlite). */
  databaseUrl?: string;
  output(): string;
  /** The server's stdout and stderr, as a file other processes can read. */
  logFile: string;
  /** SIGKILL, as a crash would: no cleanup, the database is kept. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become healthy in time:\n${output()}`);
}

export interface ServerOptions {
  /** Use this PostgreSQL database (kept at stop) instead of making a throw-away one. */
  databaseUrl?: string;
  /** Listen on this port (e.g. to restart a killed server where clients expect it). */
  port?: number;
}

/**
 * The production build (`next start`), on a database of its own: a fresh PostgreSQL database when
 * TEST_DATABASE_URL is set, a fresh PGlite directory otherwise (or the given `databaseUrl`).
 */
export async function startServer(env: Record<string, string> = {}, opts: ServerOptions = {}): Promise<RunningServer> {
  buildIfStale({ log: (line: string) => console.log(`[test server] ${line}`) });
  const port = opts.port ?? (await freePort());
  const adminUsername = 'admin';
  const adminPassword = crypto.randomBytes(12).toString('base64url');
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-server-'));
  const dbEnv: Record<string, string> = {};
  if (opts.databaseUrl) {
    databaseUrl = opts.databaseUrl;
    dbEnv.DATABASE_URL = opts.databaseUrl;
  } else if (TEST_DATABASE_URL) {
    const created = await createPostgresDatabase();
    databaseUrl = created.url;
    dropDatabase = created.drop;
    dbEnv.DATABASE_URL = created.url;
  } else {
    dbEnv.PGLITE_DATA_DIR = path.join(dataDir, 'pglite');
  }
  let log = '';
  const logFile = path.join(dataDir, 'server.log');
  // What `npm start` runs once built: Next behind the app's own node:http server (scripts/server.mjs).
  const child = spawn(process.execPath, ['scripts/server.mjs', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      NEXTAUTH_SECRET: crypto.randomBytes(32).toString('base64url'),
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      ADMIN_USERNAME: adminUsername,
      ADMIN_PASSWORD: adminPassword,
      ...dbEnv,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const record = (d: Buffer) => {
    log += d;
    fs.appendFileSync(logFile, d);
  };
  child.stdout!.on('data', record);
  child.stderr!.on('data', record);
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () => log;
  try {
    await waitForHealth(baseUrl, child, output);
  } catch (err) {
    child.kill('SIGKILL');
    await dropDatabase();
    throw err;
  }
  return {
    baseUrl,
    pid: child.pid!,
    adminUsername,
    adminPassword,
    databaseUrl,
    output,
    logFile,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        // The drain's own bound (scripts/server.mjs DRAIN_MS): idle keep-alive sockets get their advertised 5 s.
        await Promise.race([exited, new Promise((r) => setTimeout(r, 12_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await dropDatabase();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
