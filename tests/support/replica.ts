import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './server';

const run = promisify(execFile);

/**
 * A throw-away primary and a physical streaming replica of it (pg_basebackup -R), each a local
 * PostgreSQL instance on its own port and data directory under one temp directory, run as the
 * postgres user. For the read-replica tests.
 */
export interface ReplicaPair {
  primaryUrl: string;
  replicaUrl: string;
  /** Stops applying WAL on the replica (it keeps answering, with older data). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Immediate shutdown of the replica, as when its machine goes away; startReplica() brings it back. */
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const version = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return version ? path.join(root, version, 'bin') : undefined;
}

export function replicaToolsAvailable(): boolean {
  return binDir() !== undefined && fs.readFileSync('/etc/passwd', 'utf8').includes('\npostgres:');
}

export async function startReplicaPair(database = 'app'): Promise<ReplicaPair> {
  const bin = binDir();
  if (!bin) throw new Error('PostgreSQL server binaries are not installed');
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rt-replica-')));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [, , uid, gid] = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))!.split(':');
    fs.chownSync(dir, Number(uid), Number(gid));
  }
  // PostgreSQL refuses to run as root: drop to postgres, in a directory it may enter.
  const pgTool = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { cwd: dir })
      : run(path.join(bin, tool), args, { cwd: dir });
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primary = path.join(dir, 'primary');
  const replica = path.join(dir, 'replica');
  const conf = (port: number) =>
    `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nfsync = off\nshared_buffers = '32MB'\n`;
  const urlOf = (port: number, db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const ready = async (port: number) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new pg.Client({ connectionString: urlOf(port, 'postgres'), connectionTimeoutMillis: 1_000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        await client.end().catch(() => {});
      }
    }
  };
  const sqlOn = async (port: number, text: string) => {
    const client = new pg.Client({ connectionString: urlOf(port, 'postgres') });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  const start = (pgdata: string) => pgTool('pg_ctl', ['-D', pgdata, '-l', `${pgdata}.log`, '-w', '-t', '60', 'start']);
  const stop = (pgdata: string, mode: string) => pgTool('pg_ctl', ['-D', pgdata, '-m', mode, '-w', 'stop']).catch(() => undefined);
  try {
    await pgTool('initdb', ['-D', primary, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    fs.appendFileSync(path.join(primary, 'postgresql.conf'), conf(primaryPort));
    await start(primary);
    await ready(primaryPort);
    await sqlOn(primaryPort, `CREATE DATABASE ${database}`);
    await pgTool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream', '--no-sync']);
    fs.appendFileSync(path.join(replica, 'postgresql.conf'), conf(replicaPort));
    await start(replica);
    await ready(replicaPort);
  } catch (err) {
    await stop(replica, 'immediate');
    await stop(primary, 'immediate');
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    primaryUrl: urlOf(primaryPort, database),
    replicaUrl: urlOf(replicaPort, database),
    pauseReplay: () => sqlOn(replicaPort, 'SELECT pg_wal_replay_pause()'),
    resumeReplay: () => sqlOn(replicaPort, 'SELECT pg_wal_replay_resume()'),
    async stopReplica() {
      await stop(replica, 'immediate');
    },
    async startReplica() {
      await start(replica);
      await ready(replicaPort);
    },
    async destroy() {
      await stop(replica, 'immediate');
      await stop(primary, 'immediate');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
