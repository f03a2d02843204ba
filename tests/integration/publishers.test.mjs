// @neo-events/publishers (the built workspace package, clients/js/publishers) against the real
// server, with centrifuge-js subscribers:
// 1. every publisher method: a subscriber whose role may read the channel receives exactly the
//    catalogue shape (checked with ajv against schemas/events/*.schema.json);
// 2. micro-batching keeps each channel's order: 200 publications over 3 channels in one tick;
// 3. a refusal (103: a tenant key publishing to another tenant) is not retried: one request;
// 4. Redis engine only: the server restarts mid-stream and a reply is lost, the client retries
//    with the same idempotency_key, and every event is in history and at the subscriber exactly
//    once, in order (needs the server's idempotency_key support).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
  ADMIN,
  EVENT_TIMEOUT,
  apiPost,
  assertCleanExit,
  connectClient,
  freePort,
  record,
  spawnServer,
  startServer,
  subscribe,
  useServer,
  VALIDATED_NAMESPACES,
  waitServing,
} from './harness.mjs';
import { startRedis } from './redis.mjs';
import { EVENT_TYPES, assertCatalogueShape } from './support/catalogue.mjs';

const publishers = await import('@neo-events/publishers').catch((e) => {
  throw new Error(
    `@neo-events/publishers is not built (${e.message}): run \`npm ci && npm run build\` at the repo root (scripts/setup.sh does)`,
  );
});
const { BillingPublisher, DeploymentPublisher, EventClient, EventError, NotificationPublisher, createPublishers } =
  publishers;

const T = { timeout: 20_000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Tenant keys: `tk1` may act on tenant:tk1:* only; its calls are audited (one api:batch line per
// request), which lets the tests count requests without a fake.
const AUDIT_DIR = mkdtempSync(path.join(os.tmpdir(), 'neo-events-pub-audit-'));
const AUDIT_FILE = path.join(AUDIT_DIR, 'audit.log');
const TENANT_KEY = randomBytes(16).toString('hex');
// The server validates the events too (as genconfig sets it up): publishers and server agree.
const ctx = useServer({
  namespaces: VALIDATED_NAMESPACES,
  api: { tenant_keys: [{ tenant: 'tk1', key: TENANT_KEY }] },
  audit: { enabled: true, file: AUDIT_FILE },
});

function auditLines() {
  let text = '';
  try {
    text = readFileSync(AUDIT_FILE, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Waits until an audit line matches `pred` (the writer is a background thread). */
async function untilAudited(pred, what) {
  const deadline = Date.now() + EVENT_TIMEOUT;
  while (!auditLines().some(pred)) {
    if (Date.now() > deadline) throw new Error(`no audit line for ${what} within ${EVENT_TIMEOUT} ms`);
    await sleep(20);
  }
}

function eventClient(server, opts = {}) {
  return new EventClient({ url: server.url, apiKey: server.apiKey, ...opts });
}

describe('publishers against the server', () => {
  it('every publisher method: the subscriber receives exactly the catalogue event', T, async (t) => {
    const { server } = ctx;
    const client = eventClient(server);
    t.after(() => client.close());
    const { deployments, billing, monitoring, notifications, presence, activity } = createPublishers(client);

    // Each subscriber with a role that may read the channel (spec §4 roles).
    const tenantAdmin = (await connectClient(server, { user: 'ta-1', tenant: 'p1', roles: ['tenant_admin'] })).client;
    const tenantUser = (await connectClient(server, { user: 'u-p1', tenant: 'p1', roles: ['tenant_user'] })).client;
    const admin = (await connectClient(server, ADMIN)).client;

    const cases = [
      [
        tenantAdmin,
        'tenant:p1:deployments',
        () => deployments.publishDeploymentUpdate('p1', 'd-1', 'running', { step: 2 }, 40),
      ],
      [
        tenantAdmin,
        'tenant:p1:deployments',
        () =>
          deployments.publishDeploymentUpdate({
            tenantId: 'p1',
            deploymentId: 'd-1',
            status: 'completed',
            progress: 100,
          }),
      ],
      [tenantAdmin, 'tenant:p1:deployments', () => deployments.publishStart('p1', 'd-2', 'odoo')],
      [
        tenantAdmin,
        'tenant:p1:deployments',
        () => deployments.publishDeploymentLog('p1', 'd-1', 'pulling image', 'info'),
      ],
      [tenantAdmin, 'tenant:p1:billing', () => billing.publishInvoiceEvent('p1', 'inv-1', 'paid', 199.9)],
      [tenantAdmin, 'tenant:p1:billing', () => billing.publishUsageUpdate('p1', 'storage_gb', 42, 100)],
      [
        tenantAdmin,
        'tenant:p1:monitoring',
        () => monitoring.publishAlert('p1', 'warning', 'CPU above 90%', { host: 'w1' }),
      ],
      [tenantAdmin, 'tenant:p1:dashboard', () => monitoring.publishMetricsUpdate('p1', { cpu: 37.5, rps: 1200 })],
      [admin, 'admin:metrics', () => monitoring.publishGlobalMetrics({ tenants: 3, connections: 12 })],
      [admin, 'admin:alerts', () => monitoring.publishGlobalAlert('p1', 'critical', 'disk full')],
      [
        tenantAdmin,
        'tenant:p1:notifications',
        () => notifications.publishTenantNotification('p1', 'Hi', 'All', 'info'),
      ],
      [
        tenantUser,
        'user:u-p1:notifications',
        () => notifications.publishUserNotification('u-p1', 'Hi', 'You', 'success', '/x'),
      ],
      [tenantAdmin, 'tenant:p1:presence', () => presence.publishPresenceUpdate('p1', 'u-p1', 'online', { page: '/' })],
      [admin, 'admin:tenants', () => activity.publishTenantActivity('p1', 'user_login', 'u-p1', { ip: '10.0.0.1' })],
    ];
    const subs = new Map();
    for (const [client, channel] of cases) {
      if (!subs.has(channel)) subs.set(channel, record((await subscribe(client, channel)).sub, 'publication'));
    }
    const types = new Set();
    for (const [, channel, publish] of cases) {
      const rec = subs.get(channel);
      const before = rec.items.length;
      const published = await publish();
      assert.equal(published.channel, channel);
      await rec.until(before + 1);
      const got = rec.items[before];
      assert.deepEqual(got.data, published.event, `${channel}: the subscriber got something else`);
      assert.equal(got.offset, published.offset, `${channel}: offset`);
      assertCatalogueShape(got.data);
      types.add(got.data.type);
    }
    assert.deepEqual([...types].sort(), EVENT_TYPES, 'every catalogue type was published');
  });

  it('200 publications over 3 channels in one tick: batched, each channel in order', T, async (t) => {
    const { server } = ctx;
    // The tenant key: each request it makes is one api:batch audit line.
    const client = new EventClient({ url: server.url, apiKey: TENANT_KEY });
    t.after(() => client.close());
    const deployments = new DeploymentPublisher(client);
    const { client: sc } = await connectClient(server, { user: 'ta-b', tenant: 'tk1', roles: ['tenant_admin'] });
    const channels = ['tenant:tk1:deployments', 'tenant:tk1:billing', 'tenant:tk1:notifications'];
    const recs = await Promise.all(channels.map(async (ch) => record((await subscribe(sc, ch)).sub, 'publication')));
    const batchesBefore = auditLines().filter((l) => l.action === 'api:batch').length;

    const billing = new BillingPublisher(client);
    const notifications = new NotificationPublisher(client);
    const all = [];
    for (let i = 0; i < 200; i++) {
      const k = i % 3;
      if (k === 0) all.push(deployments.publishDeploymentLog('tk1', 'd-b', `line ${i}`, 'info'));
      if (k === 1) all.push(billing.publishUsageUpdate('tk1', `r${i}`, i, 1000));
      if (k === 2) all.push(notifications.publishTenantNotification('tk1', `n${i}`, 'm', 'info'));
    }
    const results = await Promise.all(all);
    const expected = [0, 1, 2].map((k) => results.filter((_, i) => i % 3 === k).map((r) => r.event));
    await Promise.all(recs.map((rec, k) => rec.until(expected[k].length)));
    recs.forEach((rec, k) => {
      assert.deepEqual(
        rec.items.map((p) => p.data),
        expected[k],
        `${channels[k]}: publications out of order or missing`,
      );
      const offsets = rec.items.map((p) => p.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => offsets[0] + i),
      );
    });
    // One request carried several channels' publications: fewer requests than publications.
    const marker = await client.publish('tenant:tk1:activity', {
      type: 'tenant_activity',
      tenantId: 'tk1',
      activity: 'marker',
      timestamp: new Date().toISOString(),
    });
    assert.ok(marker.offset > 0);
    await untilAudited((l) => l.action === 'api:publish' && l.channel === 'tenant:tk1:activity', 'the marker');
    const batches = auditLines().filter((l) => l.action === 'api:batch').length - batchesBefore - 1;
    assert.ok(batches >= 67 && batches < 200, `expected about 67 requests of 3 publications, audit shows ${batches}`);
  });

  it('103 (another tenant) is not retried: one request, an EventError', T, async (t) => {
    const { server } = ctx;
    const client = new EventClient({ url: server.url, apiKey: TENANT_KEY, backoff: { initialMs: 10, maxMs: 20 } });
    t.after(() => client.close());
    const retries = [];
    client.on('retry', (r) => retries.push(r));
    const deployments = new DeploymentPublisher(client);
    const errors = [];
    deployments.on('error', (e) => errors.push(e));
    const error = await deployments.publishDeploymentLog('other', 'd-1', 'x', 'info').then(
      () => assert.fail('publishing to another tenant must be refused'),
      (e) => e,
    );
    assert.ok(error instanceof EventError, String(error));
    assert.equal(error.code, 103);
    assert.equal(error.kind, 'api');
    assert.equal(error.attempts, 1);
    assert.deepEqual(errors, [error]);
    assert.deepEqual(retries, []);
    // Audit lines are written in order: once a later request's line is there, so are all of
    // this one's (and any retry's).
    await deployments.publishDeploymentLog('tk1', 'd-1', 'marker', 'info');
    await untilAudited((l) => l.action === 'api:publish' && l.channel === 'tenant:tk1:deployments', 'the marker');
    const refused = auditLines().filter((l) => l.action === 'api:publish' && l.channel === 'tenant:other:deployments');
    assert.equal(refused.length, 1, `one attempt expected, audit: ${JSON.stringify(refused)}`);
    assert.equal(refused[0].code, 103);
  });
});

// ---------------------------------------------------------------------------------------------
// Exactly once across a server restart (Redis engine: the idempotency cache and history live in
// Redis, so the restarted process answers a retry from the cache).

/**
 * An HTTP proxy in front of the server that can lose replies: while `swallow` is on it forwards
 * a request, lets the server apply it, and then drops the client's connection instead of
 * answering (a reply lost to a crash or a network cut). Requests the server cannot take get 502.
 */
async function lossyProxy(targetPort) {
  const proxy = { swallowed: [], swallow: false, port: await freePort() };
  proxy.swallowedOne = new Promise((resolve) => (proxy.onSwallow = resolve));
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const swallow = proxy.swallow;
      const up = http.request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const parts = [];
          answer.on('data', (c) => parts.push(c));
          answer.on('end', () => {
            if (swallow) {
              proxy.swallowed.push(JSON.parse(body.toString('utf8')));
              req.socket.destroy();
              proxy.onSwallow();
              return;
            }
            res.writeHead(answer.statusCode, answer.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      up.on('error', (e) => {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`proxy: ${e.message}`);
      });
      up.end(body);
    });
  });
  await new Promise((resolve) => server.listen(proxy.port, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  proxy.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}

/** Starts neo-events again with `first`'s config (same port, same Redis); resolves once it serves. */
async function restartOnSamePort(first) {
  const { config } = first;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-it-'));
  const configFile = path.join(dir, 'neo-events.yaml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const server = spawnServer(['serve', '-c', configFile], {
    cwd: dir,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  });
  const { port, url, wsUrl, apiUrl, apiKey, secret } = first;
  Object.assign(server, { port, url, wsUrl, apiUrl, apiKey, secret, config, configFile });
  await waitServing(server, url, 'neo-events (restarted)');
  return server;
}

describe(
  'exactly once across a server restart',
  { skip: process.env.NEO_TEST_ENGINE !== 'redis' && 'Redis engine only (NEO_TEST_ENGINE=redis)' },
  () => {
    it(
      'a lost reply and a restart mid-stream: 300 events once each, in order, in history and at the subscriber',
      { timeout: 60_000 },
      async (t) => {
        const redis = await startRedis();
        const servers = [];
        const cleanups = [];
        t.after(async () => {
          for (const c of cleanups.reverse()) await c().catch(() => {});
          for (const s of servers) await s.stop();
          await redis.stop();
        });
        const first = await startServer({
          engine: { type: 'redis', redis: { addresses: [redis.url], prefix: 'once' } },
          // Recovery must reach back over the whole outage.
          namespaces: [
            { name: 'tenant', history_size: 1000, history_ttl: '1h', force_recovery: true, validate_events: true },
          ],
        });
        servers.push(first);
        const proxy = await lossyProxy(first.port);
        cleanups.push(() => proxy.close());

        const channel = 'tenant:x1:deployments';
        const { client: sc } = await connectClient(first, { user: 'ta-x', tenant: 'x1', roles: ['tenant_admin'] });
        cleanups.push(async () => sc.disconnect());
        const rec = record((await subscribe(sc, channel)).sub, 'publication');

        const client = new EventClient({
          url: proxy.url,
          apiKey: first.apiKey,
          timeoutMs: 3000,
          retries: 40,
          backoff: { initialMs: 50, maxMs: 500 },
        });
        cleanups.push(() => client.close({ timeoutMs: 0 }));
        const retried = [];
        client.on('retry', (r) => retried.push(r));
        const deployments = new DeploymentPublisher(client);

        const N = 300;
        const all = [];
        for (let i = 1; i <= N; i++) all.push(deployments.publishDeploymentLog('x1', 'd-x', `seq ${i}`, 'info'));
        // Mid-stream: lose the next reply (the server applied it), then restart the server.
        await all[99];
        proxy.swallow = true;
        await proxy.swallowedOne;
        const stopped = await first.stop();
        assertCleanExit(stopped);
        proxy.swallow = false;
        const second = await restartOnSamePort(first);
        servers.push(second);

        const results = await Promise.all(all);
        assert.ok(retried.length > 0, 'the client retried');
        const lost = proxy.swallowed[0].commands[0].publish;
        assert.ok(
          retried.some((r) => r.idempotencyKey === lost.idempotency_key),
          'the publication whose reply was lost was retried with its idempotency key',
        );

        // History (in Redis) holds every event exactly once, in order.
        const history = await apiPost(second, 'history', { channel, limit: -1 });
        const seqs = history.json.result.publications.map((p) => p.data.log);
        const dup = seqs.find((s, i) => seqs.indexOf(s) !== i);
        assert.equal(
          dup,
          undefined,
          `${dup} is in history twice: the retry of a publication the server had applied was applied again ` +
            '(the server must answer a known idempotency_key with its first result)',
        );
        assert.deepEqual(
          seqs,
          Array.from({ length: N }, (_, i) => `seq ${i + 1}`),
        );
        // Each result is its publication's place in history.
        const offsets = history.json.result.publications.map((p) => p.offset);
        assert.deepEqual(
          results.map((r) => r.offset),
          offsets,
        );

        // The subscriber reconnected to the new process and recovered the gap: each once, in order.
        await rec.until(N, 15_000);
        assert.deepEqual(
          rec.items.map((p) => p.data.log),
          seqs,
        );
      },
    );
  },
);
