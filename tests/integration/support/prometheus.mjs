// A real Prometheus (Debian's `prometheus` package) for the tests: started on a free loopback
// port in a temp dir, scraping the given targets every second, queried through its HTTP API.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './ports.mjs';

export const PROMETHEUS_BIN = process.env.NEO_TEST_PROMETHEUS ?? '/usr/bin/prometheus';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts Prometheus scraping `targets` (host:port strings, path /metrics) as job `job`, with
 * `rules` (file paths) loaded. Resolves once /-/ready answers 200.
 */
export async function startPrometheus({ targets, job = 'neo-events', rules = [], interval = '1s' }) {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(`${PROMETHEUS_BIN} not found: scripts/setup.sh installs Debian's prometheus package`);
  }
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: rules,
    scrape_configs: [{ job_name: job, static_configs: [{ targets }] }],
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  const child = spawn(PROMETHEUS_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const prometheus = {
    url,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
    /** The instant query's result vector, or throws with Prometheus's error. */
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = await response.json();
      if (body.status !== 'success') throw new Error(`query ${expr}: ${body.errorType}: ${body.error}`);
      return body.data.result;
    },
    /** The single value of a query that must return one sample (NaN when it returns none). */
    async value(expr) {
      const result = await prometheus.query(expr);
      if (result.length > 1) throw new Error(`query ${expr}: ${result.length} series, expected one`);
      return result.length === 0 ? NaN : Number(result[0].value[1]);
    },
    /** Polls `expr` until `accept(value)` or the deadline; returns the last value seen. */
    async until(expr, accept, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last;
      for (;;) {
        last = await prometheus.value(expr);
        if (accept(last) || Date.now() > deadline) return last;
        await sleep(250);
      }
    },
  };
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${log}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return prometheus;
    await sleep(100);
  }
  await prometheus.stop();
  throw new Error(`prometheus did not become ready on ${port}: ${log}`);
}
