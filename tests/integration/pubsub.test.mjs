// 2. Server API publish reaches a subscriber; 3. client publish allowed / denied by role.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ADMIN,
  TEST_TIMEOUT,
  assertCleanExit,
  cent,
  connectClient,
  rawConnected,
  record,
  subscribe,
  useServer,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

const deploymentUpdate = (n) => ({
  type: 'deployment_update',
  timestamp: '2026-01-01T00:00:00Z',
  deploymentId: `dep-${n}`,
  status: 'running',
  progress: n,
  data: { nested: [1, 'two', { three: true }], unicode: 'é☃', quote: '"\\' },
});

describe('server publish to a subscriber', () => {
  it('tenant_user of tenant 1 receives exactly the data published with cent.js; result has offset and epoch', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:deployments';
    const { client } = await connectClient(server, { user: 'u-sub', tenant: '1', roles: ['tenant_user'] });
    const { sub, ctx: subCtx } = await subscribe(client, channel);
    assert.equal(subCtx.recoverable, true, 'tenant namespace has force_recovery');
    assert.equal(subCtx.positioned, true);
    const pubs = record(sub, 'publication');

    const data = deploymentUpdate(42);
    const result = await cent(server).publish({ channel, data });
    assert.ok(Number.isInteger(result.offset) && result.offset >= 1, `offset ${JSON.stringify(result)}`);
    assert.equal(typeof result.epoch, 'string');
    assert.ok(result.epoch.length > 0);

    // A sentinel proves nothing else (no duplicate) arrived in between.
    const sentinel = await cent(server).publish({ channel, data: { sentinel: true } });
    await pubs.until(2);
    assert.equal(pubs.items.length, 2);
    const [p, s] = pubs.items;
    assert.deepEqual(p.data, data);
    assert.equal(p.channel, channel);
    assert.equal(p.offset, result.offset);
    assert.equal(p.info, undefined, 'a server API publication carries no ClientInfo');
    assert.deepEqual(s.data, { sentinel: true });
    assert.equal(s.offset, result.offset + 1);
    assert.equal(sentinel.offset, result.offset + 1);
    assert.equal(sentinel.epoch, result.epoch);
  });

  it('the pub push on the wire is exactly {"push":{"channel","pub":{"data","offset"}}}', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:wire:deployments';
    const r = await rawConnected(server, ADMIN);
    const s = await r.request('subscribe', { channel });
    assert.equal(s.error, undefined, JSON.stringify(s));
    const data = { hello: 'world', n: [1, 2, 3] };
    const { offset } = await cent(server).publish({ channel, data });
    const m = await r.message((x) => x.push && x.push.channel === channel && x.push.pub);
    assert.deepEqual(m, { push: { channel, pub: { data, offset } } });
    assert.deepEqual(r.badLines, []);
  });

  it('a namespace without history: subscribe reply is {} and publish result is {} (no offset/epoch)', T, async () => {
    const { server } = ctx;
    const channel = 'system:announcements';
    const r = await rawConnected(server, ADMIN);
    const s = await r.request('subscribe', { channel });
    assert.deepEqual(s, { id: s.id, subscribe: {} });
    const data = { type: 'maintenance', timestamp: '2026-01-01T00:00:00Z' };
    const result = await cent(server).publish({ channel, data });
    assert.deepEqual(result, {});
    const m = await r.message((x) => x.push && x.push.channel === channel && x.push.pub);
    assert.deepEqual(m, { push: { channel, pub: { data } } });
  });
});

describe('client publish permissions', () => {
  it('tenant_user publishes to tenant:1:notifications; another subscriber receives it with info.user', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:notifications';
    const { client: pubClient, ctx: pubConn } = await connectClient(server, {
      user: 'u-pub',
      tenant: '1',
      roles: ['tenant_user'],
      info: { name: 'Publisher' },
    });
    const { client: subClient } = await connectClient(server, { user: 'u-listen', tenant: '1', roles: ['tenant_user'] });
    const { sub } = await subscribe(subClient, channel);
    const pubs = record(sub, 'publication');

    const data = { type: 'notification', timestamp: '2026-01-01T00:00:00Z', title: 'Hi', message: 'm', level: 'info' };
    const res = await pubClient.publish(channel, data);
    assert.deepEqual(res, {});
    await pubs.until(1);
    const p = pubs.items[0];
    assert.deepEqual(p.data, data);
    assert.ok(p.info, 'a client publication carries ClientInfo');
    assert.equal(p.info.user, 'u-pub');
    assert.equal(p.info.client, pubConn.client);
    assert.deepEqual(p.info.connInfo, { name: 'Publisher' });
    assert.ok(Number.isInteger(p.offset), 'tenant namespace keeps history: offset expected');
  });

  it('the publisher itself receives its own publication when subscribed', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:notifications';
    const { client } = await connectClient(server, { user: 'u-self', tenant: '1', roles: ['tenant_user'] });
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    await client.publish(channel, { self: 1 });
    await pubs.until(1);
    assert.deepEqual(pubs.items[0].data, { self: 1 });
    assert.equal(pubs.items[0].info.user, 'u-self');
  });

  it('tenant_user publishing to tenant:1:deployments is denied with 103', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-deny', tenant: '1', roles: ['tenant_user'] });
    await assert.rejects(client.publish('tenant:1:deployments', { x: 1 }), (err) => {
      assert.equal(err.code, 103);
      assert.equal(err.message, 'permission denied');
      return true;
    });
    // The connection survives a denied publish.
    assert.equal(client.state, 'connected');
    await client.publish('tenant:1:notifications', { still: 'ok' });
  });

  it('tenant_user publishing into another tenant is denied with 103; tenant_admin publishes in its own tenant', T, async () => {
    const { server } = ctx;
    const { client: user } = await connectClient(server, { user: 'u-x', tenant: '1', roles: ['tenant_user'] });
    await assert.rejects(user.publish('tenant:2:notifications', { x: 1 }), { code: 103 });
    const { client: tadmin } = await connectClient(server, { user: 'ta-1', tenant: '1', roles: ['tenant_admin'] });
    await tadmin.publish('tenant:1:deployments', { ok: true });
    await assert.rejects(tadmin.publish('tenant:2:deployments', { x: 1 }), { code: 103 });
    await assert.rejects(tadmin.publish('admin:alerts', { x: 1 }), { code: 103 });
  });

  it('client publish to an unknown namespace is 102', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, ADMIN);
    await assert.rejects(client.publish('nope:x', { x: 1 }), { code: 102 });
  });
});

describe('server process (pubsub.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
