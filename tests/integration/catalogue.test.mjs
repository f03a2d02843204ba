// Event validation (namespace option validate_events): the server checks every publication on
// such a namespace, from the server API (publish, broadcast, batch) and from clients, against
// the event catalogue (schemas/). An invalid event gets error 107 naming the failing JSON path,
// is never delivered nor stored, and is counted (/metrics) and audited. A catalogue_file
// replaces the built-in catalogue; a broken one stops the server from starting.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import {
  BIN,
  REPO_ROOT,
  TEST_TIMEOUT,
  apiPost,
  connectClient,
  record,
  startServer,
  subscribe,
  useServer,
  VALIDATED_NAMESPACES,
} from './harness.mjs';
import { expectAudit, metric, sleep } from './support/hardening.mjs';

const T = { timeout: TEST_TIMEOUT };
const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-catalogue-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const auditFile = path.join(dir, 'audit.log');

const TENANT_KEY = 'tenant-7-key-0123456789abcdef';
const ctx = useServer({
  api: { tenant_keys: [{ tenant: '7', key: TENANT_KEY }] },
  namespaces: VALIDATED_NAMESPACES,
  audit: { enabled: true, file: auditFile },
});

const now = () => new Date().toISOString();
const update = (fields = {}) => ({
  type: 'deployment_update',
  deploymentId: 'd-1',
  status: 'running',
  progress: 40,
  timestamp: now(),
  ...fields,
});
const TENANT_ADMIN = (tenant) => ({ user: `admin-${tenant}`, tenant, roles: ['tenant_admin'] });

// Publishes `marker` after the attempt: the first publication the subscriber sees after the
// attempt must be the marker, so a delivered invalid event cannot hide behind a timeout.
async function nextDelivered(server, sub, channel, attempt) {
  const pubs = record(sub, 'publication');
  await attempt();
  const marker = update({ deploymentId: `marker-${Math.random()}` });
  const ok = await apiPost(server, 'publish', { channel, data: marker });
  assert.ok(ok.json?.result, ok.text);
  await pubs.until(1);
  return pubs.items[0].data;
}

describe('validate_events: server API', () => {
  it('a valid event is delivered as published', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, TENANT_ADMIN('5'));
    const { sub } = await subscribe(client, 'tenant:5:deployments');
    const event = update();
    const delivered = await nextDelivered(server, sub, 'tenant:5:deployments', async () => {
      const r = await apiPost(server, 'publish', { channel: 'tenant:5:deployments', data: event });
      assert.ok(r.json?.result?.offset >= 1, r.text);
    });
    assert.deepEqual(delivered, event);
  });

  it('an invalid event gets 107 naming the path, is not delivered, stored, and is counted', T, async () => {
    const { server } = ctx;
    const before = (await metric(server, 'neo_events_invalid_events_total')) ?? 0;
    const { client } = await connectClient(server, TENANT_ADMIN('6'));
    const { sub } = await subscribe(client, 'tenant:6:deployments');
    const delivered = await nextDelivered(server, sub, 'tenant:6:deployments', async () => {
      const r = await apiPost(server, 'publish', { channel: 'tenant:6:deployments', data: update({ progress: 101 }) });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { error: { code: 107, message: 'invalid event: /progress: must be <= 100' } });
    });
    assert.match(delivered.deploymentId, /^marker-/);
    const history = await apiPost(server, 'history', { channel: 'tenant:6:deployments', limit: -1 });
    assert.deepEqual(
      history.json.result.publications.map((p) => p.data.progress),
      [40],
      'history holds the marker only',
    );
    assert.equal(await metric(server, 'neo_events_invalid_events_total'), before + 1);
    await expectAudit(auditFile, [
      {
        match: {
          action: 'publish',
          channel: 'tenant:6:deployments',
          reason: 'invalid event: /progress: must be <= 100',
          code: 107,
        },
        count: 1,
      },
    ]);
  });

  it('each kind of problem is named', T, async () => {
    const { server } = ctx;
    const cases = [
      ['tenant:6:deployments', update({ status: 'paused' }), '/status: must be one of starting, running, completed, failed'],
      ['tenant:6:deployments', update({ extra: 1 }), '/extra: is not allowed (no such property)'],
      ['tenant:6:deployments', update({ timestamp: '2026-12-05T10:00:00+02:00' }), '/timestamp: must be an RFC 3339 date-time in UTC, e.g. 2026-12-05T10:00:00.000Z'],
      ['tenant:6:deployments', { type: 'alert', severity: 'info', message: 'm', timestamp: now() }, '/type: must be one of deployment_update, deployment_log on tenant:*:deployments'],
      ['tenant:6:billing', { type: 'usage_update', resource: 'cpu', usage: 1, limit: 0, percentage: 0, timestamp: now() }, '/limit: must be > 0'],
      ['tenant:6:dashboard', { type: 'metrics_update', metrics: { cpu: 'high' }, timestamp: now() }, '/metrics/cpu: must be number'],
      ['admin:tenants', { type: 'tenant_activity', activity: 'login', timestamp: now() }, '/tenantId: is required'],
      ['tenant:6:chat', { type: 'notification', title: 't', message: 'm', level: 'info', timestamp: now() }, 'channel tenant:6:chat has no event types in the catalogue'],
      ['tenant:6:deployments', 'just text', '/: must be object'],
    ];
    for (const [channel, data, problem] of cases) {
      const r = await apiPost(server, 'publish', { channel, data });
      assert.deepEqual(r.json, { error: { code: 107, message: `invalid event: ${problem}` } }, `${channel} ${JSON.stringify(data)}`);
    }
  });

  it('namespace and permission checks come first (102, 103), then the catalogue (107)', T, async () => {
    const { server } = ctx;
    const invalid = update({ progress: 101 });
    const unknown = await apiPost(server, 'publish', { channel: 'nope:1', data: invalid });
    assert.equal(unknown.json.error.code, 102);
    const headers = { 'Content-Type': 'application/json', 'X-API-Key': TENANT_KEY };
    const foreign = await apiPost(server, 'publish', { channel: 'tenant:8:deployments', data: invalid }, { headers });
    assert.equal(foreign.json.error.code, 103);
    const own = await apiPost(server, 'publish', { channel: 'tenant:7:deployments', data: invalid }, { headers });
    assert.equal(own.json.error.code, 107);
  });

  it('broadcast answers per channel; batch per command', T, async () => {
    const { server } = ctx;
    const data = update();
    const b = await apiPost(server, 'broadcast', { channels: ['tenant:8:deployments', 'tenant:8:billing'], data });
    assert.ok(b.json.result.responses[0].result.offset >= 1, b.text);
    assert.deepEqual(b.json.result.responses[1], {
      error: { code: 107, message: 'invalid event: /type: must be one of invoice_event, usage_update on tenant:*:billing' },
    });
    const batch = await apiPost(server, 'batch', {
      commands: [
        { publish: { channel: 'tenant:8:deployments', data: update({ progress: -5 }) } },
        { publish: { channel: 'tenant:8:deployments', data: update({ progress: 50 }) } },
      ],
    });
    assert.deepEqual(batch.json.replies[0], { error: { code: 107, message: 'invalid event: /progress: must be >= 0' } });
    assert.ok(batch.json.replies[1].publish.offset >= 1, batch.text);
  });

  it('a namespace without validate_events takes any data', T, async () => {
    const { server } = ctx;
    const r = await apiPost(server, 'publish', { channel: 'system:free', data: { anything: ['goes'] } });
    assert.ok(r.json.result, r.text);
  });
});

describe('validate_events: client publish', () => {
  it('a valid event is published; an invalid one gets 107 and reaches nobody', T, async () => {
    const { server } = ctx;
    const { client: watcher } = await connectClient(server, TENANT_ADMIN('9'));
    const { sub } = await subscribe(watcher, 'tenant:9:notifications');
    const pubs = record(sub, 'publication');
    const { client } = await connectClient(server, { user: 'u9', tenant: '9', roles: ['tenant_user'] });
    const bad = { type: 'notification', title: 't', message: 'm', level: 'loud', timestamp: now() };
    await assert.rejects(client.publish('tenant:9:notifications', bad), (err) => {
      assert.equal(err.code, 107);
      assert.equal(err.message, 'invalid event: /level: must be one of info, success, warning, error');
      return true;
    });
    const good = { ...bad, level: 'success' };
    await client.publish('tenant:9:notifications', good);
    await pubs.until(1); // an invalid event, had it gone out, would have come first
    assert.deepEqual(
      pubs.items.map((p) => p.data),
      [good],
    );
    await expectAudit(auditFile, [
      {
        match: { action: 'publish', user: 'u9', channel: 'tenant:9:notifications', code: 107 },
        count: 1,
      },
    ]);
  });
});

describe('catalogue_file', () => {
  const custom = path.join(dir, 'custom');
  mkdirSync(path.join(custom, 'events'), { recursive: true });
  writeFileSync(
    path.join(custom, 'events', 'score.schema.json'),
    JSON.stringify({
      type: 'object',
      properties: { type: { const: 'score' }, points: { type: 'integer', minimum: 0 } },
      required: ['type', 'points'],
      additionalProperties: false,
    }),
  );
  writeFileSync(
    path.join(custom, 'catalogue.json'),
    JSON.stringify({ events: { score: 'events/score.schema.json' }, channels: [{ pattern: 'tenant:*:scores', types: ['score'] }] }),
  );

  it('replaces the built-in catalogue', T, async () => {
    const server = await startServer({
      catalogue_file: path.join(custom, 'catalogue.json'),
      namespaces: [{ name: 'tenant', validate_events: true }],
    });
    try {
      const ok = await apiPost(server, 'publish', { channel: 'tenant:1:scores', data: { type: 'score', points: 3 } });
      assert.ok(ok.json.result, ok.text);
      const bad = await apiPost(server, 'publish', { channel: 'tenant:1:scores', data: { type: 'score', points: 1.5 } });
      assert.equal(bad.json.error.message, 'invalid event: /points: must be integer');
      const builtin = await apiPost(server, 'publish', { channel: 'tenant:1:deployments', data: update() });
      assert.equal(builtin.json.error.message, 'invalid event: channel tenant:1:deployments has no event types in the catalogue');
    } finally {
      await server.stop();
    }
  });

  it('a broken catalogue_file fails checkconfig and the start, saying where', T, () => {
    writeFileSync(
      path.join(custom, 'broken.json'),
      JSON.stringify({ events: { score: 'events/score.schema.json' }, channels: [{ pattern: 'x:*', types: ['goal'] }] }),
    );
    const config = path.join(dir, 'broken.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        client: { token: { hmac_secret: 'secret-secret-secret-secret' } },
        api: { key: 'key-key-key-key-key-key' },
        http: { listen: '127.0.0.1:0' },
        catalogue_file: path.join(custom, 'broken.json'),
      }),
    );
    const expected = `${path.join(custom, 'broken.json')}: catalogue.json: /channels/0/types: names an event type not in /events`;
    const check = spawnSync(BIN, ['checkconfig', '-c', config], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(check.status, 1);
    assert.match(check.stderr, new RegExp(expected.replace(/[.*/]/g, '\\$&')));
    const serve = spawnSync(BIN, ['serve', '-c', config], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(serve.status, 1);
    assert.ok((serve.stdout + serve.stderr).includes(expected), serve.stdout + serve.stderr);
  });
});

describe('the built-in catalogue is the repository schemas/', () => {
  it('`neo-events events` lists every schema file', T, () => {
    const catalogue = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'catalogue.json'), 'utf8'));
    const listed = spawnSync(BIN, ['events'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(listed.status, 0, listed.stderr);
    for (const type of Object.keys(catalogue.events)) assert.match(listed.stdout, new RegExp(`^${type}: `, 'm'));
  });
});
