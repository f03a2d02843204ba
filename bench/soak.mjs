// The soak as a benchmark (issue 15 item 5): the code of tests/integration/soak.test.mjs
// (tests/integration/support/soak.mjs) run for --minutes (default 10) against the binary in
// NEO_EVENTS_BIN (bench/soak.sh passes the release build). Prints the Markdown table for
// BENCHMARKS.md and writes it with the raw numbers to bench/results/soak-<timestamp>/.
// Exits 1 when a client lost anything or a node's idle RSS or fds did not come back.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '200' },
    'warmup-seconds': { type: 'string', default: '60' },
  },
});
const { REPO_ROOT } = await import('../tests/integration/harness.mjs');
const { report, runSoak, withinLimits } = await import('../tests/integration/support/soak.mjs');

const teardowns = [];
const t = { after: (fn) => teardowns.push(fn) }; // runSoak's teardown hook outside node:test
const options = {
  clients: Number(values.clients),
  warmupMs: Number(values['warmup-seconds']) * 1000,
  churnMs: Number(values.minutes) * 60_000,
  settleMs: 5000,
  log: (m) => console.log(`# ${m}`),
};
let r;
try {
  r = await runSoak(t, options);
} finally {
  for (const fn of teardowns) await fn();
}
const within = withinLimits(r.baseline, r.after);
const broken = r.verdicts.filter((v) => v.failures.length || v.problems.length || v.missing.length || v.outcome !== 'whole');
const table = report(r);
const summary = [
  `Soak: ${options.clients} clients, ${values.minutes} min of churn after ${values['warmup-seconds']} s of warm-up, two nodes over one redis-server.`,
  '',
  table,
  '',
  `Idle RSS and fds within 5 % of the baseline (RSS + ${r.limits.rssSlackBytes / 1024 / 1024} MiB): ${JSON.stringify(within)}`,
  `Clients with a failure, gap, loss or failed recovery: ${broken.length}`,
].join('\n');
console.log(summary);
const dir = path.join(REPO_ROOT, 'bench', 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'report.md'), `${summary}\n`);
const { c, nodes, verdicts, ...numbers } = r;
writeFileSync(path.join(dir, 'soak.json'), JSON.stringify({ options: values, ...numbers, within, broken: broken.slice(0, 20) }, null, 2));
console.log(`# written to ${dir}`);
const ok = broken.length === 0 && Object.values(within).every((w) => w.rss && w.fds);
process.exit(ok ? 0 : 1);
