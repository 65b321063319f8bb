#!/usr/bin/env node
// `npm start`: builds the app when the build is missing or older than the sources, then serves it
// with `next start` on PORT (default 3000). Migrations and the bootstrap admin run at server start.
import { spawn } from 'node:child_process';
import buildHelpers from './build-if-stale.cjs';

const { buildIfStale, nextBin, root } = buildHelpers;

try {
  buildIfStale();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

const port = process.env.PORT || '3000';
const server = spawn(process.execPath, [nextBin, 'start', '-p', port, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
