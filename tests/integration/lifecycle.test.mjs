// 11. Ping/pong with a short interval; 12. graceful shutdown on SIGTERM (close 3001, exit 0).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  TEST_TIMEOUT,
  assertCleanExit,
  connectClient,
  rawConnected,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer({ client: { ping_interval: '2s', pong_timeout: '1s' } });

const USER = { user: 'u-life', tenant: '1', roles: ['tenant_user'] };

describe('ping/pong', () => {
  it('connect reply announces ping 2 and pong true', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    const reply = r.messages.find((m) => m.id === 1);
    assert.equal(reply.connect.ping, 2);
    assert.equal(reply.connect.pong, true);
  });

  it('a client that answers pings with {} gets {} within ~3 s and stays connected', T, async () => {
    const r = await rawConnected(ctx.server, USER, { autoPong: true });
    const t0 = Date.now();
    await r.waitUntil(() => r.pings >= 1, 3500, 'the first ping', { failOnClose: true });
    assert.ok(r.pingTimes[0] - t0 <= 3000, `first ping after ${r.pingTimes[0] - t0} ms`);
    // Two more intervals: each pong was accepted, or the server would have closed (3012/3501).
    await r.waitUntil(() => r.pings >= 3, 6000, 'three pings', { failOnClose: true });
    assert.equal(r.closeInfo, null);
    assert.deepEqual(r.badLines, []);
    // And the connection still serves commands.
    const s = await r.request('subscribe', { channel: 'tenant:1:deployments' });
    assert.equal(s.error, undefined, JSON.stringify(s));
  });

  it('a client that never answers pongs is closed with 3012 "no pong"', T, async () => {
    const r = await rawConnected(ctx.server, USER, { autoPong: false });
    const c = await r.waitClose(6000);
    assert.deepEqual(c, { code: 3012, reason: 'no pong' });
    assert.ok(r.pings >= 1, 'the server pinged before giving up');
  });

  it('centrifuge-js answers pings and keeps its connection across several intervals', T, async () => {
    const { client } = await connectClient(ctx.server, USER);
    const trouble = [];
    client.on('connecting', (c) => trouble.push({ connecting: c }));
    client.on('disconnected', (c) => trouble.push({ disconnected: c }));
    // A raw observer on the same server gives the clock: three of its pings span > 4 s,
    // longer than ping_interval + pong_timeout, so a missing pong would have shown by then.
    const observer = await rawConnected(ctx.server, { ...USER, user: 'u-obs' }, { autoPong: true });
    await observer.waitUntil(() => observer.pings >= 3, 8000, 'three observer pings', { failOnClose: true });
    assert.deepEqual(trouble, []);
    assert.equal(client.state, 'connected');
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM: connected clients see close 3001 "shutdown" and the process exits 0 within 10 s', { timeout: 15_000 }, async () => {
    const { server } = ctx;
    const raw = await rawConnected(server, USER, { autoPong: true });
    const { client } = await connectClient(server, { ...USER, user: 'u-sdk' });
    const connecting = waitFor(client, 'connecting', 10_000, { failOn: ['disconnected'] });
    const result = await server.stop();
    assertCleanExit(result);
    assert.ok(result.ms <= 10_000, `exit took ${result.ms} ms`);
    assert.deepEqual(await raw.waitClose(1000), { code: 3001, reason: 'shutdown' });
    const c = await connecting;
    assert.equal(c.code, 3001, 'centrifuge-js goes to connecting (reconnect) with the server code');
    assert.equal(c.reason, 'shutdown');
    client.disconnect();
  });
});
