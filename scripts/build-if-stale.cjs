// Builds the Next app when .next is missing or older than any source file; shared by `npm start`
// and the test harness so neither ever serves a stale build.
// CommonJS so plain node, vitest and Playwright's loader can all load it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
const SOURCES = ['src', 'next.config.ts', 'package-lock.json', 'tsconfig.json'];

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

function buildIfStale({ log = console.log } = {}) {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  const builtAt = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  if (builtAt >= Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))))) return;
  log(builtAt ? 'Sources changed since the last build: rebuilding…' : 'No build yet: building the app (once)…');
  const build = spawnSync(process.execPath, [nextBin, 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`next build failed with exit code ${build.status}`);
}

module.exports = { root, nextBin, buildIfStale };
