// permessage-deflate (issue 13): negotiated with `ws` (perMessageDeflate) and centrifuge-js,
// publications arriving exactly and compressed on the wire, offers the server cannot take
// refused by answering without the extension, and a decompression bomb closed with 1009.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  TEST_TIMEOUT,
  WebSocket,
  cent,
  connectClient,
  record,
  subscribe,
  tokenFor,
  track,
  useServer,
} from './harness.mjs';
import { eventually } from './support/uni.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer({ websocket: { compression: true, compression_min_size: 64 } });
const ADMIN = { user: 'deflate-admin', roles: ['admin'] };

/** A `ws` socket with the given deflate option, collecting text messages; resolves once open. */
async function openWs(server, perMessageDeflate) {
  const ws = new WebSocket(server.wsUrl, { perMessageDeflate });
  const s = { ws, messages: [], closed: null, close: () => ws.terminate() };
  ws.on('message', (data) => {
    for (const line of data.toString('utf8').split('\n')) if (line) s.messages.push(JSON.parse(line));
  });
  ws.on('close', (code) => (s.closed = code));
  ws.on('error', () => {});
  track(s);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return s;
}

async function connectAndSubscribe(server, s, channel) {
  s.ws.send(JSON.stringify({ id: 1, connect: { token: tokenFor(server, ADMIN) } }));
  s.ws.send(JSON.stringify({ id: 2, subscribe: { channel } }));
  await eventually(() => s.messages.some((m) => m.id === 2), () => `subscribed: ${JSON.stringify(s.messages)}`);
  assert.ok(s.messages.find((m) => m.id === 2).subscribe, JSON.stringify(s.messages));
}

describe('permessage-deflate', () => {
  it('negotiated with ws: publications arrive exactly and travel compressed', T, async () => {
    const { server } = ctx;
    const channel = 'system:deflate';
    const s = await openWs(server, true);
    assert.match(s.ws.extensions, /permessage-deflate/);
    await connectAndSubscribe(server, s, channel);
    const before = s.ws._socket.bytesRead;
    const text = 'deployment step done; '.repeat(1000); // 22 KB, very compressible
    for (let i = 0; i < 10; i++) await cent(server).publish({ channel, data: { i, text } });
    await eventually(() => s.messages.filter((m) => m.push).length === 10, 'ten publications');
    const pubs = s.messages.filter((m) => m.push).map((m) => m.push.pub.data);
    assert.deepEqual(
      pubs,
      Array.from({ length: 10 }, (_, i) => ({ i, text })),
    );
    const wire = s.ws._socket.bytesRead - before;
    assert.ok(wire < 22_000, `10 × 22 KB took ${wire} bytes on the wire: not compressed`);
  });

  it('centrifuge-js over compressed WebSocket: subscribe, publish, history', T, async () => {
    const { server } = ctx;
    const channel = 'system:deflate-sdk';
    const { client } = await connectClient(server, ADMIN);
    assert.match(client._transport._transport.extensions, /permessage-deflate/);
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    const big = { rows: Array.from({ length: 300 }, (_, i) => ({ i, status: 'running' })) };
    await cent(server).publish({ channel, data: big });
    await client.publish(channel, { small: true });
    await pubs.until(2);
    assert.deepEqual(
      pubs.items.map((p) => p.data),
      [big, { small: true }],
    );
  });

  it('without an offer, or with one it cannot take, the answer has no extension', T, async () => {
    const { server } = ctx;
    const plain = await openWs(server, false);
    assert.equal(plain.ws.extensions, '');
    await connectAndSubscribe(server, plain, 'system:deflate-plain');
    const narrow = await openWs(server, { serverMaxWindowBits: 10 });
    assert.equal(narrow.ws.extensions, '', 'a smaller server window would make shared bytes per connection');
    await connectAndSubscribe(server, narrow, 'system:deflate-narrow');
  });

  it('a decompression bomb (10 MB in a few KB) is closed with 1009 before it is inflated', T, async () => {
    const { server } = ctx;
    const s = await openWs(server, { threshold: 0 });
    await connectAndSubscribe(server, s, 'system:deflate-bomb');
    s.ws.send(`{"id":3,"publish":{"channel":"system:deflate-bomb","data":"${'a'.repeat(10 * 1024 * 1024)}"}}`);
    await eventually(() => s.closed !== null, 'the close');
    assert.equal(s.closed, 1009);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
  });
});
