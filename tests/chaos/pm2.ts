import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
// @ts-expect-error plain CommonJS helper shared with `npm start`
import { buildIfStale, root } from '../../scripts/build-if-stale.cjs';

const run = promisify(execFile);
const PM2 = path.join(root, 'node_modules', 'pm2', 'bin', 'pm2');

/**
 * The app as the guide runs it in production: pm2 with ecosystem.config.cjs (app `roblox-tool`,
 * cluster mode), under a PM2_HOME of its own so that no other pm2 daemon is touched.
 */
export interface Pm2App {
  baseUrl: string;
  /** `pm2 reload roblox-tool`: replaces the processes one at a time. Resolves when pm2 says done. */
  reload(): Promise<void>;
  /** Every process's log so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function startPm2(env: Record<string, string>, port: number): Promise<Pm2App> {
  buildIfStale({ log: (line: string) => console.log(`[pm2] ${line}`) });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-pm2-'));
  const pm2Env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: home, PM2_HOME: home, NODE_ENV: 'production', PORT: String(port), ...env };
  const pm2 = (...args: string[]) => run(process.execPath, [PM2, ...args], { cwd: root, env: pm2Env, maxBuffer: 16 * 1024 * 1024 });
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () =>
    fs.existsSync(path.join(home, 'logs'))
      ? fs
          .readdirSync(path.join(home, 'logs'))
          .map((f) => fs.readFileSync(path.join(home, 'logs', f), 'utf8'))
          .join('\n')
      : '';
  const stop = async () => {
    await pm2('kill').catch(() => {});
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    await pm2('start', 'ecosystem.config.cjs', '--update-env');
    const deadline = Date.now() + 120_000;
    for (;;) {
      const ok = await fetch(`${baseUrl}/api/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`pm2's roblox-tool did not become healthy:\n${output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    baseUrl,
    output,
    stop,
    async reload() {
      await pm2('reload', 'roblox-tool', '--update-env');
    },
  };
}
