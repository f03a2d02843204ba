// 9. Bad input at the protocol level: every abuse gets the exact Centrifugo answer, and a
// well-behaved centrifuge-js client on the same server never notices.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  ADMIN,
  Centrifuge,
  TEST_TIMEOUT,
  WebSocket,
  assertCleanExit,
  cent,
  rawConnected,
  rawWs,
  tokenFor,
  useServer,
  waitFor,
} from './harness.mjs';
import { rawUpgrade } from './browser/support.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

const USER = { user: 'u-bad', tenant: '1', roles: ['tenant_user'] };
const WATCH_CHANNEL = 'tenant:watch:dashboard';

// The bystander: an ordinary centrifuge-js client that must see every probe publication.
let watcher = null;
let watcherSub = null;
const received = [];
const probes = [];
const watcherTrouble = [];

async function probe(label) {
  const data = { type: 'metrics_update', timestamp: new Date().toISOString(), probe: probes.length, label };
  probes.push(data);
  await cent(ctx.server).publish({ channel: WATCH_CHANNEL, data });
}

/** Expects the socket to be closed with exactly {code, reason}. */
async function expectClose(r, code, reason) {
  const c = await r.waitClose(5000);
  if (reason === undefined) assert.equal(c.code, code, `close ${JSON.stringify(c)}`);
  else assert.deepEqual(c, { code, reason });
}

describe('bad input', () => {
  before(async () => {
    const { server } = ctx;
    // Not tracked: it lives across all the tests of this describe.
    watcher = new Centrifuge(server.wsUrl, {
      websocket: WebSocket,
      token: tokenFor(server, { user: 'watcher', roles: ['admin'] }),
      minReconnectDelay: 100,
      maxReconnectDelay: 1000,
    });
    watcher.on('error', (e) => watcherTrouble.push({ error: e }));
    const connected = waitFor(watcher, 'connected', 5000);
    watcher.connect();
    await connected;
    // Only now: the initial "connecting" was expected, any later one is a reconnect.
    watcher.on('connecting', (e) => watcherTrouble.push({ connecting: e }));
    watcher.on('disconnected', (e) => watcherTrouble.push({ disconnected: e }));
    watcherSub = watcher.newSubscription(WATCH_CHANNEL);
    watcherSub.on('error', (e) => watcherTrouble.push({ subError: e }));
    watcherSub.on('unsubscribed', (e) => watcherTrouble.push({ unsubscribed: e }));
    watcherSub.on('publication', (p) => received.push(p.data));
    const subscribed = waitFor(watcherSub, 'subscribed', 5000);
    watcherSub.subscribe();
    await subscribed;
    // Only now: the initial "subscribing" was expected, any later one is a resubscribe.
    watcherSub.on('subscribing', (e) => watcherTrouble.push({ subscribing: e }));
    await probe('start');
  });

  after(() => {
    if (watcher) {
      watcher.removeAllListeners();
      watcher.on('error', () => {});
      watcher.disconnect();
    }
  });

  it('malformed JSON after connect closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.sendRaw('{"subscribe":{"channel":"tenant:1:deployments"},"id":2');
    await expectClose(r, 3501, 'bad request');
    await probe('malformed');
  });

  it('malformed JSON as the very first frame closes with 3501', T, async () => {
    const r = rawWs(ctx.server.wsUrl);
    await r.opened;
    r.sendRaw('this is not json');
    await expectClose(r, 3501, 'bad request');
    await probe('malformed-first');
  });

  it('a frame larger than 65536 bytes closes with 1009', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    const big = JSON.stringify({
      publish: { channel: 'tenant:1:notifications', data: { blob: 'x'.repeat(70_000) } },
      id: 2,
    });
    assert.ok(Buffer.byteLength(big) > 65536);
    r.sendRaw(big);
    await expectClose(r, 1009);
    await probe('oversize');
  });

  it('a frame just under the limit is accepted', T, async () => {
    const r = await rawConnected(ctx.server, ADMIN);
    const msg = (n) => JSON.stringify({ publish: { channel: 'tenant:big:notifications', data: { blob: 'y'.repeat(n) } }, id: 2 });
    let n = 60_000;
    n += 65536 - Buffer.byteLength(msg(n)) - 100;
    const frame = msg(n);
    assert.ok(Buffer.byteLength(frame) <= 65536 && Buffer.byteLength(frame) > 65000);
    r.sendRaw(frame);
    const reply = await r.reply(2);
    assert.deepEqual(reply, { id: 2, publish: {} });
    await probe('near-limit');
  });

  it('a command before connect closes with 3501', T, async () => {
    const r = rawWs(ctx.server.wsUrl);
    await r.opened;
    r.send({ subscribe: { channel: 'tenant:1:deployments' }, id: 1 });
    await expectClose(r, 3501, 'bad request');
    assert.equal(r.messages.length, 0, JSON.stringify(r.messages));
    await probe('before-connect');
  });

  it('an unknown method after connect closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.sendRaw('{"id":2,"foo":{}}');
    await expectClose(r, 3501, 'bad request');
    await probe('unknown-method');
  });

  it('the v1 "ping" command closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.sendRaw('{"id":2,"ping":{}}');
    await expectClose(r, 3501, 'bad request');
    await probe('ping-command');
  });

  it('a command without id closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.send({ subscribe: { channel: 'tenant:1:deployments' } });
    await expectClose(r, 3501, 'bad request');
    await probe('no-id');
  });

  it('an unowed pong {} closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.sendRaw('{}');
    await expectClose(r, 3501, 'bad request');
    await probe('unowed-pong');
  });

  it('a second connect closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.send({ connect: { token: tokenFor(ctx.server, USER) }, id: 2 });
    await expectClose(r, 3501, 'bad request');
    await probe('second-connect');
  });

  it('an empty frame and a blank line between commands close with 3501', T, async () => {
    const r1 = await rawConnected(ctx.server, USER);
    r1.sendRaw('');
    await expectClose(r1, 3501, 'bad request');
    const r2 = await rawConnected(ctx.server, USER);
    r2.sendRaw(
      `${JSON.stringify({ subscribe: { channel: 'tenant:1:dashboard' }, id: 2 })}\n\n` +
        `${JSON.stringify({ subscribe: { channel: 'tenant:1:billing' }, id: 3 })}`,
    );
    await expectClose(r2, 3501, 'bad request');
    await probe('blank');
  });

  it('a wrongly typed field (channel is a number) closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.sendRaw('{"subscribe":{"channel":123},"id":2}');
    await expectClose(r, 3501, 'bad request');
    await probe('wrong-type');
  });

  it('subscribe to an empty channel closes with 3501', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    r.send({ subscribe: { channel: '' }, id: 2 });
    await expectClose(r, 3501, 'bad request');
    await probe('empty-channel');
  });

  it('empty channel in publish, presence, history and unsubscribe closes with 3501', T, async () => {
    for (const method of ['publish', 'presence', 'presence_stats', 'history', 'unsubscribe']) {
      const r = await rawConnected(ctx.server, USER);
      r.send({ [method]: method === 'publish' ? { channel: '', data: { a: 1 } } : { channel: '' }, id: 2 });
      const c = await r.waitClose(5000);
      assert.deepEqual(c, { code: 3501, reason: 'bad request' }, `${method} with an empty channel`);
    }
    await probe('empty-channel-others');
  });

  it('invalid channel names get error 107 and the connection stays usable', T, async () => {
    const r = await rawConnected(ctx.server, ADMIN);
    const invalid = [
      'tenant:1:dep loyments', // space inside
      `tenant:1:${'a'.repeat(291)}`, // 300 bytes
      'tenant:1:tab\tdeployments', // control character
      'tenant:1:déploiements', // not ASCII
    ];
    for (const channel of invalid) {
      const reply = await r.request('subscribe', { channel });
      assert.deepEqual(
        reply,
        { id: reply.id, error: { code: 107, message: 'bad request' } },
        `subscribe ${JSON.stringify(channel)}`,
      );
    }
    // 255 bytes is still fine.
    const ok = await r.request('subscribe', { channel: `tenant:1:${'b'.repeat(246)}` });
    assert.equal(ok.error, undefined, JSON.stringify(ok));
    assert.equal(r.closeInfo, null);
    await probe('invalid-names');
  });

  it('a duplicate subscribe gets error 105 and the first subscription keeps working', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    const channel = 'tenant:1:deployments';
    const first = await r.request('subscribe', { channel });
    assert.equal(first.error, undefined, JSON.stringify(first));
    const second = await r.request('subscribe', { channel });
    assert.deepEqual(second, { id: second.id, error: { code: 105, message: 'already subscribed' } });
    const data = { after: 'duplicate' };
    await cent(ctx.server).publish({ channel, data });
    await cent(ctx.server).publish({ channel, data: { sentinel: true } });
    await r.message((x) => x.push && x.push.channel === channel && x.push.pub && x.push.pub.data.sentinel);
    assert.deepEqual(
      r.pushes(channel).filter((p) => p.pub).map((p) => p.pub.data),
      [data, { sentinel: true }],
      'each publication delivered once',
    );
    await probe('duplicate');
  });

  it('unsubscribing a channel that was never subscribed is answered {}', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    const reply = await r.request('unsubscribe', { channel: 'tenant:1:billing' });
    assert.deepEqual(reply, { id: reply.id, unsubscribe: {} });
    await probe('unsub-unknown');
  });

  it('a flood of commands, then a close while replies are still queued, does not disturb others', T, async () => {
    const r = await rawConnected(ctx.server, USER);
    const frame = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ presence_stats: { channel: 'tenant:1:deployments' }, id: i + 2 }),
    ).join('\n');
    for (let k = 0; k < 20; k++) r.sendRaw(frame);
    await r.waitUntil(() => r.closeInfo !== null || r.messages.length >= 50, 5000, 'replies or a close');
    // The client leaves (close frame) while most of the 1000 replies are still on their way.
    await r.close();
    const other = await rawConnected(ctx.server, USER);
    const reply = await other.request('presence_stats', { channel: 'tenant:1:deployments' });
    assert.ok(reply.presence_stats || reply.error, JSON.stringify(reply));
    assert.equal(ctx.server.exited, null, `server exited: ${JSON.stringify(ctx.server.exited)}`);
    await probe('flood');
  });

  it('abrupt TCP drops mid-frame do not disturb others', T, async () => {
    for (let i = 0; i < 5; i++) {
      const r = await rawConnected(ctx.server, USER);
      r.ws._socket.write(Buffer.from([0x81, 0x7e, 0x10])); // a text frame header promising 4096+ bytes
      r.ws._socket.destroy();
      await r.waitClose(5000);
    }
    const r = rawWs(ctx.server.wsUrl);
    await r.opened;
    r.ws._socket.destroy(); // before any command
    await r.waitClose(5000);
    assert.equal(ctx.server.exited, null, `server exited: ${JSON.stringify(ctx.server.exited)}`);
    await probe('tcp-drop');
  });

  it('the well-behaved client received every probe publication, in order, and never reconnected', T, async () => {
    await probe('end');
    await waitForReceived(probes.length);
    assert.deepEqual(received, probes);
    assert.deepEqual(watcherTrouble, [], JSON.stringify(watcherTrouble));
    assert.equal(watcher.state, 'connected');
    assert.equal(watcherSub.state, 'subscribed');
  });
});

async function waitForReceived(n) {
  const deadline = Date.now() + 5000;
  while (received.length < n && Date.now() < deadline) {
    await waitFor(watcherSub, 'publication', Math.max(1, deadline - Date.now())).catch(() => {});
  }
}

describe('bad upgrade requests (RFC 6455 4.2.1)', () => {
  const cases = [
    { name: 'Sec-WebSocket-Version 8', change: { 'Sec-WebSocket-Version': '8' }, status: 426 },
    { name: 'no Sec-WebSocket-Version', change: { 'Sec-WebSocket-Version': null }, status: 426 },
    { name: 'a key that is not 16 bytes of base64', change: { 'Sec-WebSocket-Key': 'c2hvcnQ=' }, status: 400 },
    { name: 'a key with characters outside base64', change: { 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!w==' }, status: 400 },
    { name: 'no Sec-WebSocket-Key', change: { 'Sec-WebSocket-Key': null }, status: 400 },
  ];
  for (const c of cases) {
    it(`${c.name}: HTTP ${c.status}, no upgrade`, T, async () => {
      const res = await rawUpgrade(ctx.server.wsUrl, undefined, 5000, c.change);
      assert.equal(res.upgraded, false, JSON.stringify(res));
      assert.equal(res.status, c.status, JSON.stringify(res));
    });
  }
  it('the same request with a good version and key upgrades (101)', T, async () => {
    const res = await rawUpgrade(ctx.server.wsUrl, undefined, 5000);
    assert.equal(res.upgraded, true, JSON.stringify(res));
    assert.equal(res.status, 101);
  });
});

describe('server process (bad_input.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
