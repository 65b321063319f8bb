/**
 * Renders a results file as the Markdown tables of docs/PERFORMANCE.md:
 *   npx tsx bench/markdown.ts [bench/results.json]
 */
import fs from 'node:fs';
import path from 'node:path';

const file = process.argv[2] ?? path.join(__dirname, 'results.json');
const r = JSON.parse(fs.readFileSync(file, 'utf8')) as any;
const out: string[] = [];
const ratio = (a: number, b: number) => (a / b).toFixed(2);

out.push(`Run: \`${r.command}\`, ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, load average at start ${r.machine.loadAverageAtStart.join(' / ')}.`);
out.push(`${r.postgres.version.split(' on ')[0]}; ${r.machine.pgbench}; Node ${r.machine.node}. PostgreSQL settings: ${Object.entries(r.postgres.settings).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
out.push('');
out.push(`### Ledger core (ops/s through \`credits.ts\`; ${r.ledger.slices} × ${r.ledger.seconds / r.ledger.slices} s slices interleaved with pgbench)`);
out.push('');
out.push('| workers | pgbench -N tps | additions, spread | debits, spread | additions, hot customer | debits, hot customer |');
out.push('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const p of r.ledger.pgbench) {
  const cell = (op: string, spread: string) => {
    const x = r.ledger.runs.find((l: any) => l.workers === p.clients && l.op === op && l.spread === spread);
    return `${x.perSecond} (**${ratio(x.perSecond, p.tps)}×**; p50 ${x.p50Ms} / p99 ${x.p99Ms} ms)`;
  };
  out.push(`| ${p.clients} | ${p.tps} | ${cell('add', 'spread')} | ${cell('debit', 'spread')} | ${cell('add', 'hot')} | ${cell('debit', 'hot')} |`);
}
out.push('');
out.push('CPU per operation (whole machine, µs; in brackets the benchmark client\'s own share):');
out.push('');
out.push('| workers | pgbench -N | additions, spread | debits, spread | additions, hot | debits, hot |');
out.push('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const p of r.ledger.pgbench) {
  const cell = (op: string, spread: string) => {
    const x = r.ledger.runs.find((l: any) => l.workers === p.clients && l.op === op && l.spread === spread);
    return `${x.cpuUsPerOp} (${x.clientCpuUsPerOp})`;
  };
  out.push(`| ${p.clients} | ${p.cpuUsPerTx} | ${cell('add', 'spread')} | ${cell('debit', 'spread')} | ${cell('add', 'hot')} | ${cell('debit', 'hot')} |`);
}
out.push('');
out.push(`### HTTP (autocannon; ${r.http.slices} × ${r.http.seconds / r.http.slices} s slices interleaved with pgbench)`);
out.push('');
out.push('`app`: `npm start` (scripts/server.mjs, one process); `app ×2`: the same with `WEB_CONCURRENCY=2`; `minimal`: bench/minimal-server.mjs (node:http + pg, the same SQL, nothing else).');
out.push('');
out.push('| server | request | connections | req/s | p50 ms | p99 ms | pgbench -N tps | ÷ pgbench | CPU µs/request |');
out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const h of r.http.runs) {
  const p = r.http.pgbench.find((x: any) => x.clients === h.connections);
  out.push(`| ${h.server ?? 'app'} | \`${h.endpoint}\` | ${h.connections} | ${h.perSecond} | ${h.p50Ms} | ${h.p99Ms} | ${p.tps} | ${ratio(h.perSecond, p.tps)} | ${h.cpuUsPerRequest} |`);
}
out.push('');
if (r.httpRatios) {
  out.push(`| ratio | ${r.httpRatios[0].values.map((v: any) => `${v.connections} connections`).join(' | ')} |`);
  out.push(`| --- | ${r.httpRatios[0].values.map(() => '---:').join(' | ')} |`);
  for (const x of r.httpRatios) out.push(`| ${x.name} | ${x.values.map((v: any) => `**${v.value.toFixed(2)}×**`).join(' | ')} |`);
  out.push('');
}
const lists = (title: string, rows: any[], other?: any[]) => {
  out.push(title);
  out.push('');
  if (other) {
    out.push('| request | p50 ms (10× smaller) | p95 ms (10× smaller) | db ms (10× smaller) | p50 ms (full) | p95 ms (full) | db ms (full) | plan (full) |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  } else {
    out.push('| request | p50 ms | p95 ms | db ms | plan |');
    out.push('| --- | ---: | ---: | ---: | --- |');
  }
  for (const l of rows) {
    // Every scan of the request's statements, the ones that walk many entries first.
    const rowsOf = (x: string) => Number(/\((\d+) rows\)/.exec(x)?.[1] ?? 0);
    const scans = [...(l.plan?.scans ?? [])].sort((a: string, b: string) => rowsOf(b) - rowsOf(a));
    const plan = l.plan?.violations.length ? `**unbounded:** ${l.plan.violations.join(', ')}` : scans.join('; ');
    const name = `${l.target ? '' : '(info) '}${l.name}`;
    if (other) {
      const s = other.find((x: any) => x.name.replace(/page \d+/, 'page N') === l.name.replace(/page \d+/, 'page N'));
      out.push(`| ${name} | ${s?.p50 ?? ''} | ${s?.p95 ?? ''} | ${s?.plan?.executionMs ?? ''} | ${l.p50} | ${l.p95} | ${l.plan?.executionMs ?? ''} | ${plan} |`);
    } else {
      out.push(`| ${name} | ${l.p50} | ${l.p95} | ${l.plan?.executionMs ?? ''} | ${plan} |`);
    }
  }
  out.push('');
};
lists(
  `### Admin lists (${r.dataset.size.customers.toLocaleString('en')} customers, ${r.dataset.size.users.toLocaleString('en')} users, ${r.dataset.size.transactions.toLocaleString('en')} transactions, ${r.dataset.size.searches.toLocaleString('en')} searches${r.growth ? '; growth: the same at 10× smaller' : ''})`,
  r.lists,
  r.growth?.lists,
);
out.push('### Embedded, memory, data set');
out.push('');
out.push(`- \`npm start\` on a fresh PGlite directory to the first served page: **${r.embedded.startSeconds} s** (median of ${r.embedded.starts.join(' / ')} s); RSS then ${r.embedded.rssAtStartMb} MB (start script + server).`);
out.push(`- Credit additions on PGlite (one connection, in-process, on that directory): **${r.embedded.additionsPerSecond}/s**.`);
out.push(`- Server RSS (as \`npm start\` runs it, with its heap limit, on PostgreSQL): **${r.memory.restMb} MB** at rest (started, one sign-in), **${r.memory.afterHttpMb} MB** at the end of the HTTP runs, ${r.memory.settledMb} MB after 10 s idle.`);
if (r.memory.withoutHeapLimit) {
  const h = r.memory.withoutHeapLimit;
  out.push(`- The same server without the heap limit (Node's defaults): **${h.restMb} MB** at rest, **${h.afterHttpMb} MB** after the same HTTP load (${h.runs.map((x: any) => `\`${x.endpoint}\` ×${x.connections} ${x.perSecond}/s`).join(', ')}).`);
}
out.push(`- Data set: built in ${r.dataset.buildSeconds} s${r.growth ? ` (10× smaller: ${r.growth.buildSeconds} s)` : ''}, ledger invariants verified in ${r.dataset.verifySeconds} s; \`pgbench -i -s ${r.dataset.pgbenchScale}\` ${r.dataset.pgbenchInitSeconds} s. Whole run: ${r.durationSeconds} s.`);
out.push('');
out.push('### Targets');
out.push('');
out.push('| target | measured | limit | met |');
out.push('| --- | ---: | ---: | --- |');
for (const t of r.targets) out.push(`| ${t.name} | ${t.value} | ${t.limit} | ${t.met ? 'yes' : '**no**'} |`);
console.log(out.join('\n'));
