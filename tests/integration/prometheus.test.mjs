// A real Prometheus (Debian's package) scrapes a running neo-events on its internal listener;
// traffic is driven with the real centrifuge-js and the server API, and what the operators'
// dashboards show is asserted through Prometheus's HTTP query API: the key queries return the
// expected values, and every query of every dashboard in deploy/grafana is accepted and answers.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ADMIN, REPO_ROOT, apiPost, connectClient, freePort, record, subscribe, useServer } from './harness.mjs';
import { startPrometheus } from './support/prometheus.mjs';

const T = { timeout: 60_000 };
const internalPort = await freePort();
const ctx = useServer({ http: { internal_listen: `127.0.0.1:${internalPort}` } });
let prometheus;

before(async () => {
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${internalPort}`] });
});
after(async () => {
  await prometheus?.stop();
});

const DASHBOARDS = path.join(REPO_ROOT, 'deploy', 'grafana', 'dashboards');

/** Every PromQL expression of a Grafana dashboard, panels in rows included. */
function dashboardQueries(file) {
  const dashboard = JSON.parse(readFileSync(file, 'utf8'));
  const out = [];
  const visit = (panels = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) out.push({ panel: panel.title, expr: target.expr });
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

/** Grafana's variables as the dashboards would resolve them for this one server. */
function resolveVariables(expr) {
  return expr
    .replaceAll(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}|\$__range/g, '15s')
    .replaceAll(/\$\{?job\}?/g, 'neo-events')
    .replaceAll(/\$\{?instance\}?/g, `127.0.0.1:${internalPort}`)
    .replaceAll(/\$\{?(?:tenant|namespace|channel_namespace|transport|method)(?::\w+)?\}?/g, '.*');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('Prometheus scraping neo-events', () => {
  const N = 4;
  const channel = 'tenant:prom:deployments';
  const clients = [];

  it('sees the connected clients and every delivery, exactly', T, async () => {
    const { server } = ctx;
    assert.equal(await prometheus.until('up{job="neo-events"}', (v) => v === 1), 1, prometheus.log());
    const before = await prometheus.value('sum(centrifugo_client_connections_accepted{transport="websocket"})');
    for (let i = 0; i < N; i++) {
      const { client } = await connectClient(server, ADMIN);
      const { sub } = await subscribe(client, channel);
      clients.push({ client, pubs: record(sub, 'publication') });
    }
    assert.equal(await prometheus.until('sum(centrifugo_node_num_clients)', (v) => v === N), N);
    assert.equal(
      await prometheus.until('sum(centrifugo_client_connections_accepted{transport="websocket"})', (v) => v === before + N),
      before + N,
    );
    const M = 20;
    for (let i = 0; i < M; i++) {
      const { status } = await apiPost(server, 'publish', { channel, data: { i } });
      assert.equal(status, 200);
    }
    for (const { pubs } of clients) await pubs.until(M);
    const sent = 'sum(centrifugo_transport_messages_sent{frame_type="push_publication"})';
    assert.equal(await prometheus.until(sent, (v) => v === N * M), N * M);
    const count = 'sum(centrifugo_api_command_duration_seconds_histogram_count{method="publish"})';
    assert.equal(await prometheus.until(count, (v) => v >= M), M);
  });

  it('answers the dashboards key queries: deliveries rate and p95 latency', T, async () => {
    const { server } = ctx;
    // The previous test's clients were closed after it (useServer): N subscribers again.
    for (let i = 0; i < N; i++) {
      const { client } = await connectClient(server, ADMIN);
      await subscribe(client, channel);
    }
    // ~5 s of steady publishing: 20 publications/s to N subscribers.
    const rate = 20;
    const started = Date.now();
    let published = 0;
    while (Date.now() - started < 5000) {
      await apiPost(server, 'publish', { channel, data: { published } });
      published += 1;
      await sleep(1000 / rate);
    }
    const perSecond = (published / (Date.now() - started)) * 1000 * N;
    const deliveries = await prometheus.value(
      'sum(rate(centrifugo_transport_messages_sent{frame_type="push_publication"}[4s]))',
    );
    assert.ok(deliveries > perSecond * 0.4 && deliveries < perSecond * 1.6, `rate ${deliveries}, sent ~${perSecond}/s`);
    const p95 = await prometheus.value(
      'histogram_quantile(0.95, sum by (le) (rate(neo_events_delivery_latency_seconds_bucket[10s])))',
    );
    assert.ok(p95 > 0 && p95 < 1, `delivery p95 ${p95} s`);
    const apiP95 = await prometheus.value(
      'histogram_quantile(0.95, sum by (le) (rate(centrifugo_api_command_duration_seconds_histogram_bucket{method="publish"}[10s])))',
    );
    assert.ok(apiP95 > 0 && apiP95 < 1, `API publish p95 ${apiP95} s`);
  });

  it('accepts and answers every query of every dashboard', T, async () => {
    const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 4, `dashboards: ${files}`);
    const empty = [];
    for (const file of files) {
      const queries = dashboardQueries(path.join(DASHBOARDS, file));
      assert.ok(queries.length > 0, `${file} has no queries`);
      for (const { panel, expr } of queries) {
        const result = await prometheus.query(resolveVariables(expr)); // throws on a PromQL error
        if (result.length === 0) empty.push(`${file} / ${panel}: ${expr}`);
      }
    }
    // Series that only exist after a rare event (a Redis error, a quota hit) may be empty here;
    // the panels of the traffic this file drives may not.
    const mustAnswer = /num_clients|messages_sent|delivery_latency|api_command_duration|process_resident/;
    assert.deepEqual(
      empty.filter((line) => mustAnswer.test(line)),
      [],
    );
  });

});
