// Metrics (docs/metrics.md): real traffic from centrifuge-js, cent.js and raw frames, and the
// exact change of each counter it must cause; the internal listener (http.internal_listen) and
// what it serves; OpenMetrics on request; promtool's verdict on the exposition.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import {
  ADMIN,
  TEST_TIMEOUT,
  WebSocket,
  assertCleanExit,
  cent,
  closeTracked,
  connectClient,
  freePort,
  rawConnected,
  record,
  startServer,
  subscribe,
  subscribeRefused,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };

/** Every sample of a Prometheus text exposition: Map "name{labels}" -> number. */
function parse(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

async function scrape(url, headers = {}) {
  const res = await fetch(`${url}/metrics`, { headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return { text, samples: parse(text), contentType: res.headers.get('content-type') };
}

/** A series' value (0 when it has not appeared yet). */
const value = (samples, series) => samples.get(series) ?? 0;

/** Scrapes until `series` reaches `expected` (counts land once the bytes are written). */
async function waitValue(url, series, expected) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = value((await scrape(url)).samples, series);
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(last, expected, series);
}

async function get(url, path, init = {}) {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000), ...init });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

const TENANT_USER = (user, tenant = 't1') => ({ user, tenant, roles: ['tenant_user'] });

describe('metrics: counters follow real traffic', () => {
  let server;
  let internal;
  before(async () => {
    const port = await freePort();
    server = await startServer({
      http: { internal_listen: `127.0.0.1:${port}` },
      metrics: { tenant_labels: { allow: ['t1'] } },
    });
    internal = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await closeTracked(); // the clients, or they would keep reconnecting to a stopped server
    if (server) assertCleanExit(await server.stop());
  });

  it('connections, clients, deliveries per subscriber x publication, publications, API durations', T, async () => {
    const channel = 'tenant:t1:notifications';
    const push = (ns) =>
      `centrifugo_transport_messages_sent{transport="websocket",frame_type="push_publication",channel_namespace="${ns}"}`;
    const accepted = 'centrifugo_client_connections_accepted{transport="websocket",accept_protocol="h1"}';
    const apiCount = (method) =>
      `centrifugo_api_command_duration_seconds_histogram_count{protocol="http",method="${method}"}`;
    const before = (await scrape(internal)).samples;

    const N = 3;
    const P = 4;
    const clients = [];
    for (let i = 0; i < N; i++) clients.push((await connectClient(server, TENANT_USER(`m-${i}`))).client);
    const received = [];
    for (const client of clients) {
      const { sub } = await subscribe(client, channel);
      received.push(record(sub, 'publication'));
    }
    let after = (await scrape(internal)).samples;
    assert.equal(value(after, accepted) - value(before, accepted), N);
    assert.equal(value(after, 'centrifugo_node_num_clients') - value(before, 'centrifugo_node_num_clients'), N);
    assert.equal(value(after, 'neo_events_tenant_connections{tenant="t1"}'), N);
    assert.equal(
      value(after, 'centrifugo_client_subscriptions_inflight{channel_namespace="tenant"}') -
        value(before, 'centrifugo_client_subscriptions_inflight{channel_namespace="tenant"}'),
      N,
    );

    for (let i = 0; i < P; i++) await cent(server).publish({ channel, data: { i } });
    for (const r of received) await r.until(P);
    await waitValue(internal, push('tenant'), value(before, push('tenant')) + N * P);
    after = (await scrape(internal)).samples;
    assert.equal(value(after, 'neo_events_publications_total') - value(before, 'neo_events_publications_total'), P);
    assert.equal(
      value(after, 'neo_events_tenant_deliveries_total{tenant="t1"}') -
        value(before, 'neo_events_tenant_deliveries_total{tenant="t1"}'),
      N * P,
    );
    assert.equal(
      value(after, 'neo_events_tenant_publications_total{tenant="t1"}') -
        value(before, 'neo_events_tenant_publications_total{tenant="t1"}'),
      P,
    );
    assert.equal(value(after, apiCount('publish')) - value(before, apiCount('publish')), P);
    assert.ok(value(after, 'neo_events_delivery_latency_seconds_count') > value(before, 'neo_events_delivery_latency_seconds_count'));
    assert.ok(
      value(after, 'centrifugo_transport_messages_sent_size{transport="websocket",frame_type="push_publication",channel_namespace="tenant"}') >
        0,
    );
    const received0 = 'centrifugo_transport_messages_received{transport="websocket",frame_type="subscribe",channel_namespace="tenant"}';
    assert.equal(value(after, received0) - value(before, received0), N);
  });

  it('a forbidden subscribe: reply error by method and code, denial by reason', T, async () => {
    const errors = 'centrifugo_client_num_reply_errors{method="subscribe",code="103",channel_namespace="tenant"}';
    const denials = 'neo_events_denials_total{reason="tenant_mismatch"}';
    const before = (await scrape(internal)).samples;
    const { client } = await connectClient(server, TENANT_USER('m-forbidden'));
    const ctx = await subscribeRefused(client, 'tenant:t2:notifications');
    assert.equal(ctx.code, 103);
    const after = (await scrape(internal)).samples;
    assert.equal(value(after, errors) - value(before, errors), 1);
    assert.equal(value(after, denials) - value(before, denials), 1);
  });

  it('a server API disconnect: server disconnects by code, API duration by method', T, async () => {
    const disconnects = 'centrifugo_client_num_server_disconnects{code="3503"}';
    const apiCount = 'centrifugo_api_command_duration_seconds_histogram_count{protocol="http",method="disconnect"}';
    const before = (await scrape(internal)).samples;
    const { client } = await connectClient(server, TENANT_USER('m-kicked'));
    const gone = waitFor(client, 'disconnected');
    await cent(server).disconnect({ user: 'm-kicked' });
    assert.equal((await gone).code, 3503);
    const after = (await scrape(internal)).samples;
    assert.equal(value(after, disconnects) - value(before, disconnects), 1);
    assert.equal(value(after, apiCount) - value(before, apiCount), 1);
  });

  it('a recovery: recover{recovered="true"} with publications', T, async () => {
    const channel = 'tenant:t1:deployments';
    const series =
      'centrifugo_client_recover{recovered="true",channel_namespace="tenant",has_recovered_publications="true"}';
    const first = await cent(server).publish({ channel, data: { n: 1 } });
    await cent(server).publish({ channel, data: { n: 2 } });
    const before = (await scrape(internal)).samples;
    const r = await rawConnected(server, ADMIN);
    const reply = await r.request('subscribe', { channel, recover: true, offset: first.offset, epoch: first.epoch });
    assert.equal(reply.subscribe.recovered, true, JSON.stringify(reply));
    const after = (await scrape(internal)).samples;
    assert.equal(value(after, series) - value(before, series), 1);
  });

  it('the internal listener serves /metrics, /health, /ready and /api, and 404s client endpoints', T, async () => {
    const metrics = await get(internal, '/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(metrics.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.deepEqual(await get(internal, '/ready'), {
      status: 200,
      text: '{"status":"ready"}',
      contentType: 'application/json',
    });
    assert.equal((await get(internal, '/health')).status, 200);
    const info = await get(internal, '/api/info', {
      method: 'POST',
      headers: { 'X-API-Key': server.apiKey },
      body: '{}',
    });
    assert.equal(info.status, 200, info.text);
    assert.ok(JSON.parse(info.text).result.nodes, info.text);
    assert.equal((await get(internal, '/api/info', { method: 'POST', body: '{}' })).status, 401);
    // Client connection endpoints do not exist here.
    const ws = new WebSocket(`${internal.replace('http', 'ws')}/connection/websocket`);
    const status = await new Promise((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve('opened'));
      ws.on('error', () => {});
    });
    ws.terminate();
    assert.equal(status, 404);
    for (const [path, init] of [
      ['/connection/uni_http_stream', { method: 'POST', body: '{}' }],
      ['/connection/uni_sse?cf_connect=%7B%7D', {}],
      ['/connection/http_stream', { method: 'POST', body: '{}' }],
      ['/emulation', { method: 'POST', body: '{}' }],
      ['/nothing', {}],
    ]) {
      const r = await get(internal, path, init);
      assert.equal(r.status, 404, `${path}: ${r.text}`);
    }
    // The public listener still has all of it.
    assert.equal((await get(server.url, '/metrics')).status, 200);
    assert.equal((await get(server.url, '/ready')).status, 200);
  });

  // Centrifugo's names fail three of promtool's lints by design (counters without _total,
  // histograms named ..._histogram, counters named ..._count): the contract keeps them so that
  // its dashboards work unchanged. Our own names must pass every lint.
  it('promtool check metrics accepts the exposition (only the lints of Centrifugo names)', T, async (t) => {
    if (!existsSync('/usr/bin/promtool')) return t.skip('no /usr/bin/promtool');
    const { text } = await scrape(internal);
    const { code, output } = await new Promise((resolve) => {
      const child = execFile('/usr/bin/promtool', ['check', 'metrics'], (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, output: `${stdout}${stderr}` }),
      );
      child.stdin.end(text);
    });
    assert.notEqual(code, 1, output);
    if (code === 3) {
      const findings = output.split('\n').filter((l) => l.trim());
      const allowed =
        /^centrifugo_\w+ (counter metrics should have "_total" suffix|metric name should not include type 'histogram'|non-histogram and non-summary metrics should not have "_count" suffix)$/;
      for (const line of findings) assert.match(line, allowed, output);
    } else {
      assert.equal(code, 0, output);
    }
  });
});

describe('metrics: internal_only_api and OpenMetrics', () => {
  let server;
  let internal;
  before(async () => {
    const port = await freePort();
    server = await startServer({
      http: { internal_listen: `127.0.0.1:${port}`, internal_only_api: true },
      metrics: { openmetrics: true },
    });
    internal = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await closeTracked(); // the clients, or they would keep reconnecting to a stopped server
    if (server) assertCleanExit(await server.stop());
  });

  it('the public listener has no server API and no /metrics; the internal one has both', T, async () => {
    const publish = { method: 'POST', headers: { 'X-API-Key': server.apiKey }, body: '{"channel":"system:x","data":1}' };
    assert.deepEqual(await get(server.url, '/api/publish', publish), {
      status: 404,
      text: 'Not Found\n',
      contentType: 'text/plain',
    });
    assert.equal((await get(server.url, '/api', publish)).status, 404);
    assert.equal((await get(server.url, '/metrics')).status, 404);
    assert.equal((await get(server.url, '/health')).status, 200);
    assert.equal((await get(server.url, '/ready')).status, 200);
    assert.equal((await get(internal, '/api/publish', publish)).status, 200);
    // Clients still connect on the public listener.
    const { client } = await connectClient(server, TENANT_USER('om-1'));
    assert.equal(client.state, 'connected');
  });

  it('OpenMetrics when the scrape asks for it, text otherwise', T, async () => {
    const open = await scrape(internal, { Accept: 'application/openmetrics-text; version=1.0.0' });
    assert.equal(open.contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.ok(open.text.endsWith('# EOF\n'), open.text.slice(-200));
    assert.match(open.text, /^# TYPE centrifugo_client_connections_accepted counter$/m);
    assert.match(open.text, /^centrifugo_client_connections_accepted_total\{transport="websocket",accept_protocol="h1"\} \d+$/m);
    const text = await scrape(internal);
    assert.equal(text.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.ok(!text.text.includes('# EOF'));
    assert.match(text.text, /^centrifugo_client_connections_accepted\{transport="websocket",accept_protocol="h1"\} \d+$/m);
  });
});
