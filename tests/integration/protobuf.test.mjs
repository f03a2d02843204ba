// The protobuf protocol (issue 13): negotiated by the centrifuge-protobuf subprotocol or
// ?format=protobuf / ?cf_protocol=protobuf on /connection/websocket, and by
// Content-Type: application/octet-stream on /connection/http_stream; binary frames of
// varint-delimited messages, read here with centrifuge-js's own ProtobufCodec. JSON and protobuf
// subscribers of one channel receive the same publications. (The whole client-protocol suite
// also runs with the protobuf client: ctest integration_protobuf*, NEO_TEST_PROTOCOL.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';

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
const ctx = useServer();
const ADMIN = { user: 'pb-admin', roles: ['admin'] };

// The client's own codec: what it encodes is what the server must decode, and the reverse.
const codec = new ProtobufCentrifuge('ws://127.0.0.1:1/unused')._codec;
const utf8 = new TextEncoder();
const text = new TextDecoder();
const bytes = (value) => utf8.encode(JSON.stringify(value));
const json = (data) => JSON.parse(text.decode(data));

/** A raw protobuf WebSocket: collects decoded replies and the frame types. */
async function openProtobufWs(url, protocols) {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = 'nodebuffer';
  const s = { ws, replies: [], binaryFrames: 0, textFrames: 0, closed: null, close: () => ws.terminate() };
  ws.on('message', (data, isBinary) => {
    if (isBinary) s.binaryFrames++;
    else s.textFrames++;
    s.replies.push(...codec.decodeReplies(new Uint8Array(data)));
  });
  ws.on('close', (code, reason) => (s.closed = { code, reason: reason.toString() }));
  ws.on('error', () => {});
  track(s);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return s;
}

const send = (s, ...commands) => s.ws.send(codec.encodeCommands(commands));

async function connectAndSubscribe(server, s, channel) {
  send(s, { id: 1, connect: { token: tokenFor(server, ADMIN) } }, { id: 2, subscribe: { channel } });
  await eventually(
    () => s.replies.some((r) => r.id === 2),
    () => `replies: ${JSON.stringify(s.replies)}`,
  );
  assert.ok(s.replies.find((r) => r.id === 1).connect.client);
  assert.ok(s.replies.find((r) => r.id === 2).subscribe);
}

describe('protobuf protocol', () => {
  it('the subprotocol and both query switches select protobuf: binary frames, the subprotocol echoed', T, async () => {
    const { server } = ctx;
    for (const [url, protocols, echoed] of [
      [server.wsUrl, ['centrifuge-protobuf'], 'centrifuge-protobuf'],
      [`${server.wsUrl}?format=protobuf`, undefined, ''],
      [`${server.wsUrl}?cf_protocol=protobuf`, undefined, ''],
    ]) {
      const channel = `system:pb-${echoed || 'query'}-${url.length}`;
      const s = await openProtobufWs(url, protocols);
      assert.equal(s.ws.protocol, echoed, url);
      await connectAndSubscribe(server, s, channel);
      await cent(server).publish({ channel, data: { n: 1 } });
      await eventually(() => s.replies.some((r) => r.push?.pub), 'a publication');
      assert.deepEqual(json(s.replies.find((r) => r.push?.pub).push.pub.data), { n: 1 });
      assert.equal(s.textFrames, 0, url);
      s.close();
    }
    // A JSON client that names centrifuge-json gets it echoed and stays on JSON.
    const j = new WebSocket(server.wsUrl, ['centrifuge-json']);
    track({ close: () => j.terminate() });
    await new Promise((resolve, reject) => {
      j.once('open', resolve);
      j.once('error', reject);
    });
    assert.equal(j.protocol, 'centrifuge-json');
  });

  it('JSON and protobuf subscribers of one channel receive the same publications, in order', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:pb:deployments';
    const s = await openProtobufWs(server.wsUrl, ['centrifuge-protobuf']);
    await connectAndSubscribe(server, s, channel);
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, channel);
    const got = record(sub, 'publication').items;
    const sent = Array.from({ length: 20 }, (_, i) => ({ step: i, note: 'déploiement ✓' }));
    for (const data of sent) await cent(server).publish({ channel, data });
    await eventually(() => got.length === 20 && s.replies.filter((r) => r.push?.pub).length === 20, 'twenty each');
    const pubs = s.replies.filter((r) => r.push?.pub).map((r) => r.push.pub);
    assert.deepEqual(
      pubs.map((p) => json(p.data)),
      sent,
    );
    assert.deepEqual(
      got.map((c) => c.data),
      sent,
    );
    assert.deepEqual(
      pubs.map((p) => Number(p.offset)),
      got.map((c) => Number(c.offset)),
    );
  });

  it('the protobuf client publishes JSON bytes; bytes that are not JSON are refused with 107', T, async () => {
    const { server } = ctx;
    const channel = 'system:pb-publish';
    const s = await openProtobufWs(server.wsUrl, ['centrifuge-protobuf']);
    await connectAndSubscribe(server, s, channel);
    send(s, { id: 3, publish: { channel, data: bytes({ from: 'protobuf' }) } });
    send(s, { id: 4, publish: { channel, data: new Uint8Array([0xff, 0x00, 0x01]) } });
    await eventually(() => s.replies.some((r) => r.id === 4), 'both replies');
    assert.ok(s.replies.find((r) => r.id === 3).publish, JSON.stringify(s.replies));
    const { code, message } = s.replies.find((r) => r.id === 4).error;
    assert.deepEqual({ code, message }, { code: 107, message: 'bad request' });
    await cent(server).publish({ channel, data: { last: true } });
    await eventually(() => s.replies.filter((r) => r.push?.pub).length === 2, 'two publications');
    const pubs = s.replies.filter((r) => r.push?.pub).map((r) => json(r.push.pub.data));
    assert.deepEqual(pubs, [{ from: 'protobuf' }, { last: true }], 'the refused one was not published');
    assert.equal(s.closed, null, 'the connection stays');
  });

  it('more than 1024 commands in one frame close with 3013 before they are built', T, async () => {
    const { server } = ctx;
    const s = await openProtobufWs(server.wsUrl, ['centrifuge-protobuf']);
    await connectAndSubscribe(server, s, 'system:pb-flood');
    s.ws.send(new Uint8Array(1025)); // 1025 empty Commands: pongs of one byte each
    await eventually(() => s.closed, 'closed');
    assert.equal(s.closed.code, 3013);
  });

  it('a frame that is not protobuf closes with 3501, a JSON frame included', T, async () => {
    const { server } = ctx;
    for (const frame of [Buffer.from([0x05, 0x08]), Buffer.from('{"id":1,"connect":{}}')]) {
      const s = await openProtobufWs(server.wsUrl, ['centrifuge-protobuf']);
      s.ws.send(frame);
      await eventually(() => s.closed, 'closed');
      assert.equal(s.closed.code, 3501, frame.toString('hex'));
    }
  });

  it(
    'http_stream with application/octet-stream streams delimited protobuf; /emulation takes an EmulationRequest',
    T,
    async () => {
      const { server } = ctx;
      const channel = 'system:pb-stream';
      const response = await fetch(`${server.url}/connection/http_stream`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: codec.encodeCommands([{ id: 1, connect: { token: tokenFor(server, ADMIN) } }]),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/octet-stream');
      const reader = response.body.getReader();
      let buffered = new Uint8Array(0);
      const replies = [];
      const readUntil = async (cond) => {
        while (!cond()) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffered = Uint8Array.from([...buffered, ...value]);
          for (;;) {
            const r = codec.decodeReply(buffered);
            if (!r.ok) break;
            replies.push(...codec.decodeReplies(buffered.slice(0, r.pos)));
            buffered = buffered.slice(r.pos);
          }
        }
      };
      await readUntil(() => replies.some((r) => r.id === 1));
      const { session, node } = replies.find((r) => r.id === 1).connect;
      assert.ok(session && node);
      const emulate = (commands, body) =>
        fetch(`${server.url}/emulation`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream' },
          body: body ?? codec.encodeEmulationRequest({ session, node, data: codec.encodeCommands(commands) }),
        });
      assert.equal((await emulate([{ id: 2, subscribe: { channel } }])).status, 204);
      await readUntil(() => replies.some((r) => r.id === 2));
      await cent(server).publish({ channel, data: { via: 'stream' } });
      await readUntil(() => replies.some((r) => r.push?.pub));
      assert.deepEqual(json(replies.find((r) => r.push?.pub).push.pub.data), { via: 'stream' });

      const broken = await emulate(null, new Uint8Array([0x12, 0x80]));
      assert.equal(broken.status, 400);
      assert.match(await broken.text(), /EmulationRequest/);
      await reader.cancel();
    },
  );
});
