// 1. Connecting with a token: the centrifuge-js `connected` event and the raw connect reply.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  CLIENT_TRANSPORT,
  TEST_TIMEOUT,
  assertCleanExit,
  newClient,
  rawWs,
  tokenFor,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

describe('connect', () => {
  it('centrifuge-js connects with a token and gets a client id', T, async () => {
    const { server } = ctx;
    const client = newClient(server, {
      token: tokenFor(server, { user: 'u-connect', tenant: '1', roles: ['tenant_user'] }),
    });
    const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
    client.connect();
    const c = await connected;
    assert.equal(typeof c.client, 'string');
    assert.ok(c.client.length > 0, 'ctx.client is empty');
    assert.equal(c.transport, CLIENT_TRANSPORT);
    assert.equal(client.state, 'connected');
    assert.deepEqual(client.errors, []);
  });

  it('two connections get different client ids', T, async () => {
    const { server } = ctx;
    const ids = [];
    for (const user of ['u-a', 'u-a']) {
      const client = newClient(server, { token: tokenFor(server, { user, tenant: '1', roles: ['tenant_user'] }) });
      const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
      client.connect();
      ids.push((await connected).client);
    }
    assert.notEqual(ids[0], ids[1]);
  });

  it('raw connect reply carries client, ping 25 and pong true, and expires/ttl for a token with exp', T, async () => {
    const { server } = ctx;
    const r = rawWs(server.wsUrl);
    await r.opened;
    assert.equal(r.ws.protocol, '', 'no subprotocol was asked for, none must be selected');
    const reply = await r.connect(tokenFor(server, { user: 'u-raw', tenant: '1', roles: ['tenant_user'], ttl: 600 }));
    assert.equal(reply.id, 1);
    assert.equal(reply.error, undefined, `unexpected error ${JSON.stringify(reply.error)}`);
    const res = reply.connect;
    assert.equal(typeof res.client, 'string');
    assert.ok(res.client.length > 0);
    assert.equal(res.ping, 25);
    assert.equal(res.pong, true);
    assert.equal(res.expires, true);
    assert.ok(Number.isInteger(res.ttl) && res.ttl > 590 && res.ttl <= 600, `ttl ${res.ttl}`);
    assert.deepEqual(r.badLines, []);
    assert.equal(r.closeInfo, null);
  });

  it('connect and subscribe in one frame are answered in order of processing', T, async () => {
    const { server } = ctx;
    const r = rawWs(server.wsUrl);
    await r.opened;
    const token = tokenFor(server, { user: 'u-frame', tenant: '1', roles: ['tenant_user'] });
    r.sendRaw(
      `${JSON.stringify({ connect: { token, name: 'js' }, id: 1 })}\n` +
        `${JSON.stringify({ subscribe: { channel: 'tenant:1:dashboard', flag: 1 }, id: 2 })}`,
    );
    const c = await r.reply(1);
    const s = await r.reply(2);
    assert.ok(c.connect && c.connect.client, JSON.stringify(c));
    assert.equal(s.error, undefined, JSON.stringify(s));
    assert.equal(s.subscribe.recoverable, true);
    assert.equal(s.subscribe.positioned, true);
    assert.equal(typeof s.subscribe.epoch, 'string');
    assert.ok(s.subscribe.epoch.length > 0);
  });
});

describe('server process (connect.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
