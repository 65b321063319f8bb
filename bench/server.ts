import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
// @ts-expect-error plain CommonJS helper shared with `npm start`
import { buildIfStale, nextBin, root } from '../scripts/build-if-stale.cjs';
import { sleep } from './stats';

/**
 * The production build (`next start`), as the test harness starts it (tests/support/server.ts),
 * but on a database the benchmark chose and with the child's pid kept, to read its memory.
 */
export interface BenchServer {
  baseUrl: string;
  pid: number;
  adminUsername: string;
  adminPassword: string;
  output(): string;
  /** Resident set size of the server and its child processes, in MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

export function ensureBuild(): void {
  buildIfStale({ log: (line: string) => console.log(`[bench] ${line}`) });
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

function childrenOf(pid: number): number[] {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return raw ? raw.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** RSS (MB) of a process tree, from /proc. */
export function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* exited */
    }
    for (const c of childrenOf(p)) visit(c);
  };
  visit(pid);
  return Math.round(kb / 1024);
}

export async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(pollMs);
  }
  throw new Error(`server did not answer ${url} in time:\n${output()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export async function startBenchServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<BenchServer> {
  ensureBuild();
  const port = await freePort();
  const adminUsername = 'admin';
  const adminPassword = crypto.randomBytes(12).toString('base64url');
  let log = '';
  const child = spawn(process.execPath, [...nodeArgs, nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      NEXTAUTH_SECRET: crypto.randomBytes(32).toString('base64url'),
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      ADMIN_USERNAME: adminUsername,
      ADMIN_PASSWORD: adminPassword,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () => log;
  try {
    await waitFor(`${baseUrl}/api/health`, child, output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    baseUrl,
    pid: child.pid!,
    adminUsername,
    adminPassword,
    output,
    rssMb: () => treeRssMb(child.pid!),
    stop: () => stopChild(child),
  };
}

/** NextAuth's credentials flow (GET /api/auth/csrf, POST the form); returns the Cookie header to send. */
export async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  remember(csrf);
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    body: new URLSearchParams({ csrfToken, username, password }),
  });
  await res.arrayBuffer();
  remember(res);
  const token = jar.get('next-auth.session-token');
  if (!token) throw new Error(`sign-in as ${username} failed: HTTP ${res.status}`);
  return `next-auth.session-token=${token}`;
}
