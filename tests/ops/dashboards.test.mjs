// The Grafana dashboards of deploy/grafana: generated from generate.mjs, structurally sound,
// every query valid PromQL (promtool) over metrics and labels of deploy/metrics-catalogue.json.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import test from 'node:test';
import { render } from '../../deploy/grafana/generate.mjs';
import { queries, recordingRules, validate } from './support/dashboards.mjs';
import { promtool, read, toYaml, writeTemp, yaml } from './support/tools.mjs';

const files = readdirSync(new URL('../../deploy/grafana/dashboards/', import.meta.url)).filter((f) =>
  f.endsWith('.json'),
);
const dashboards = Object.fromEntries(files.map((f) => [f, JSON.parse(read('deploy/grafana/dashboards', f))]));

test('the dashboard files are what deploy/grafana/generate.mjs writes', () => {
  const expected = render();
  assert.deepEqual(files.sort(), Object.keys(expected).sort());
  for (const [file, text] of Object.entries(expected)) {
    assert.equal(
      read('deploy/grafana/dashboards', file),
      text,
      `${file} is stale: run node deploy/grafana/generate.mjs`,
    );
  }
});

test('the four dashboards of the seeds, each with unique uid', () => {
  const titles = Object.values(dashboards)
    .map((d) => d.title)
    .sort();
  assert.deepEqual(titles, [
    'neo-events / Event Flow',
    'neo-events / Performance',
    'neo-events / System',
    'neo-events / Tenant',
  ]);
  assert.equal(new Set(Object.values(dashboards).map((d) => d.uid)).size, 4);
});

for (const [file, dashboard] of Object.entries(dashboards)) {
  test(`${file}: structure, variables and metric names`, () => {
    assert.deepEqual(validate(dashboard), []);
  });
}

test('each dashboard shows what the seeds and the issue ask of it', () => {
  const uses = (uid) =>
    queries(Object.values(dashboards).find((d) => d.uid === uid))
      .map((q) => q.expr)
      .join('\n');
  const want = {
    'neo-events-event-flow': [
      'neo_events_publications_total',
      'centrifugo_transport_messages_sent{',
      'centrifugo_transport_messages_received{',
      'frame_type="push_publication"',
      'sum by (frame_type)',
      'sum by (channel_namespace)',
    ],
    'neo-events-performance': [
      'histogram_quantile(0.5, sum by (le) (rate(neo_events_delivery_latency_seconds_bucket',
      'histogram_quantile(0.95, sum by (le) (rate(neo_events_delivery_latency_seconds_bucket',
      'histogram_quantile(0.99, sum by (le) (rate(neo_events_delivery_latency_seconds_bucket',
      'histogram_quantile(0.95, sum by (method, le) (rate(centrifugo_api_command_duration_seconds_histogram_bucket',
      'centrifugo_client_command_duration_seconds_histogram_bucket',
      'centrifugo_node_pub_sub_lag_seconds_bucket',
    ],
    'neo-events-tenant': [
      'neo_events_tenant_connections',
      'neo_events_tenant_publications_total',
      'neo_events_tenant_deliveries_total',
      'neo_events_quota_hits_total',
      'neo_events_rate_limited_total',
      'neo_events_denials_total',
    ],
    'neo-events-system': [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_open_fds',
      'centrifugo_node_num_nodes',
      'sum by (transport) (centrifugo_client_connections_inflight',
      'sum by (code) (rate(centrifugo_client_num_server_disconnects',
      'centrifugo_broker_redis_pub_sub_errors',
      'neo_events_ready',
    ],
  };
  for (const [uid, needles] of Object.entries(want)) {
    const text = uses(uid);
    for (const needle of needles) assert.ok(text.includes(needle), `${uid} has no query with ${needle}`);
  }
});

test('promtool accepts every dashboard query (Grafana variables substituted) as a recording rule', () => {
  const rules = recordingRules(Object.values(dashboards));
  assert.ok(rules.groups.every((g) => g.rules.length > 5));
  const file = writeTemp('dashboard-rules.yml', toYaml(rules));
  const r = promtool('check', 'rules', file);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: \d+ rules found/);
});

test('provisioning: a Prometheus data source and a provider for the dashboards folder', () => {
  const ds = yaml(read('deploy/grafana/provisioning/datasources/prometheus.yml'));
  assert.equal(ds.apiVersion, 1);
  assert.equal(ds.datasources[0].type, 'prometheus');
  assert.equal(ds.datasources[0].url, 'http://prometheus:9090');
  const provider = yaml(read('deploy/grafana/provisioning/dashboards/neo-events.yml'));
  assert.equal(provider.providers[0].type, 'file');
  assert.equal(provider.providers[0].options.path, '/var/lib/grafana/dashboards/neo-events');
});

// Negative self-tests: the checks above must be able to fail.
test('the validator rejects a deliberately broken dashboard, naming each fault', () => {
  const problems = validate(JSON.parse(read('tests/ops/fixtures/broken-dashboard.json')));
  const expect = [
    /no query variable job/,
    /unknown metric neo_events_messages_total/,
    /duplicate id 1/,
    /panel 3 .*no expr/,
    /panel 4 .*\$region is not a variable/,
    /panel 5 .*overlaps panel 4/,
    /push_pub.*no such value/,
    /panel 6 .*datasource is not/,
    /grouping label tenant/,
  ];
  for (const re of expect)
    assert.ok(
      problems.some((p) => re.test(p)),
      `${re} not among:\n${problems.join('\n')}`,
    );
});

test('promtool rejects a dashboard query that is not PromQL', () => {
  const broken = { uid: 'b', panels: [{ id: 1, targets: [{ refId: 'A', expr: 'sum(rate(up[$__rate_interval])' }] }] };
  const file = writeTemp('broken-rules.yml', toYaml(recordingRules([broken])));
  const r = promtool('check', 'rules', file);
  assert.notEqual(r.status, 0, r.output);
  assert.match(r.output, /parse error/);
});
