// Unidirectional transports (issue 13): uni_sse with the npm `eventsource` EventSource and with
// fetch, uni_http_stream with fetch streaming, uni_websocket with `ws`. Each gets the connect
// request once (cf_connect, the body, or the first message), pushes bare, server-side
// subscriptions only, recovery through connect `subs`, a disconnect push before the end, and
// refusals as HTTP statuses while the stream has not started.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, it } from 'node:test';

import {
  NAMESPACES,
  TEST_TIMEOUT,
  WebSocket,
  cent,
  claimsFor,
  connectClient,
  makeToken,
  rawWs,
  subscribe,
  tokenFor,
  useServer,
} from './harness.mjs';
import { metric } from './support/hardening.mjs';
import { eventually, openEventSource, openStream } from './support/uni.mjs';

const T = { timeout: TEST_TIMEOUT };
const ORIGIN = 'https://portal.example';
// system:* pushes join and leave to every subscriber, server-side ones included.
const namespaces = NAMESPACES.map((ns) =>
  ns.name === 'system' ? { ...ns, presence: true, join_leave: true, force_push_join_leave: true } : ns,
);
const ctx = useServer({
  namespaces,
  http: { allowed_origins: [ORIGIN] },
  client: { ping_interval: '2s', pong_timeout: '1s', max_message_bytes: 256 * 1024 },
  tenants: { max_connections: 1000, overrides: [{ tenant: 'Q', max_connections: 1 }] },
});

const paths = (server) => ({
  sse: `${server.url}/connection/uni_sse`,
  stream: `${server.url}/connection/uni_http_stream`,
  ws: `${server.wsUrl.replace('/connection/websocket', '/connection/uni_websocket')}`,
});

const user = (tenant, extra = {}) => ({ user: `u-${tenant}`, tenant, roles: ['tenant_user'], ...extra });
const withQuery = (url, request) => `${url}?cf_connect=${encodeURIComponent(JSON.stringify(request))}`;
const json = (request) => ({ body: JSON.stringify(request), headers: { 'Content-Type': 'application/json' } });

async function publish(server, channel, data) {
  return cent(server).publish({ channel, data });
}

const isPub = (channel) => (p) => p.channel === channel && p.pub;

describe('uni_sse', () => {
  it('EventSource: connect push with the token channels, then bare publications', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:S1:deployments';
    const token = tokenFor(server, user('S1', { channels: [channel] }));
    const es = openEventSource(withQuery(paths(server).sse, { token }));
    const connect = await es.push((p) => p.connect);
    assert.equal(typeof connect.connect.client, 'string');
    assert.equal(connect.connect.pong, undefined, 'a uni client is never asked for pongs');
    assert.ok(connect.connect.subs[channel], JSON.stringify(connect));
    const published = await publish(server, channel, { n: 1 });
    const pub = await es.push(isPub(channel));
    assert.deepEqual(pub, { channel, pub: { data: { n: 1 }, offset: published.offset } });
    assert.ok(!('push' in pub), 'pushes are bare on uni transports');
  });

  it('POST with the connect request as the body works too; SSE framing and headers', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:S2:deployments';
    const token = tokenFor(server, user('S2', { channels: [channel] }));
    const s = await openStream(paths(server).sse, { sse: true, ...json({ token }) });
    assert.equal(s.status, 200);
    assert.match(s.headers.get('content-type'), /^text\/event-stream/);
    assert.match(s.headers.get('cache-control'), /no-cache/);
    assert.equal(s.headers.get('x-accel-buffering'), 'no');
    await s.push((p) => p.connect);
    assert.ok(s.raw.startsWith('\r\n'), 'the stream opens with the \\r\\n preamble');
    assert.match(s.raw, /^\r\ndata: \{"connect":/);
    await publish(server, channel, { n: 2 });
    await s.push(isPub(channel));
  });

  it('recovers through cf_connect subs after a gap; an unknown epoch is recovered: false', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:S3:deployments';
    const first = await publish(server, channel, { n: 1 });
    await publish(server, channel, { n: 2 });
    await publish(server, channel, { n: 3 });
    const token = tokenFor(server, user('S3', { channels: [channel] }));
    const subs = { [channel]: { recover: true, offset: first.offset, epoch: first.epoch } };
    const es = openEventSource(withQuery(paths(server).sse, { token, subs }));
    const connect = await es.push((p) => p.connect);
    const sub = connect.connect.subs[channel];
    assert.equal(sub.recovered, true, JSON.stringify(sub));
    assert.equal(sub.was_recovering, true);
    assert.deepEqual(
      sub.publications.map((p) => p.data),
      [{ n: 2 }, { n: 3 }],
    );
    es.close();

    const lost = { [channel]: { recover: true, offset: first.offset, epoch: 'NotTheEpoch' } };
    const again = openEventSource(withQuery(paths(server).sse, { token, subs: lost }));
    const told = (await again.push((p) => p.connect)).connect.subs[channel];
    assert.equal(told.was_recovering, true);
    assert.notEqual(told.recovered, true, 'a gap it cannot fill must be signalled');
  });

  it('a bad token is 401 before the stream starts, and EventSource does not reconnect', T, async () => {
    const { server } = ctx;
    const url = withQuery(paths(server).sse, { token: 'not-a-token' });
    const refused = await fetch(url);
    assert.equal(refused.status, 401);
    assert.deepEqual(await refused.json(), { code: 3500, reason: 'invalid token' });
    const es = openEventSource(url);
    await eventually(() => es.errors.length > 0, 'an error event');
    assert.equal(es.es.readyState, 2, 'CLOSED: a non-200 answer is final for EventSource');
    assert.equal(es.opened, false);
  });

  it('refusals: expired token 401 (3005), quota 429, other origin 403, no request 400, PUT 405', T, async () => {
    const { server } = ctx;
    const sse = paths(server).sse;
    const expired = makeToken(server.secret, claimsFor({ ...user('S5'), ttl: -60 }));
    let r = await fetch(withQuery(sse, { token: expired }));
    assert.equal(r.status, 401);
    assert.equal((await r.json()).code, 3005);

    const quota = tokenFor(server, user('Q'));
    const holder = await openStream(sse, { sse: true, ...json({ token: quota }) });
    await holder.push((p) => p.connect);
    r = await fetch(withQuery(sse, { token: quota }));
    assert.equal(r.status, 429);
    assert.deepEqual(await r.json(), { code: 3504, reason: 'connection limit' });
    holder.close();

    const token = tokenFor(server, user('S5'));
    r = await fetch(withQuery(sse, { token }), { headers: { Origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    r = await fetch(sse);
    assert.equal(r.status, 400);
    assert.match(await r.text(), /no connect request/);
    r = await fetch(sse, { method: 'PUT', body: '{}' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, POST, OPTIONS');
    r = await fetch(`${sse}?format=protobuf&cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
    assert.equal(r.status, 400);
    assert.match(await r.text(), /this transport speaks JSON only/);
  });

  it('an allowed origin gets CORS headers, and the preflight is answered', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:S6:deployments';
    const token = tokenFor(server, user('S6', { channels: [channel] }));
    const s = await openStream(withQuery(paths(server).sse, { token }), {
      method: 'GET',
      sse: true,
      headers: { Origin: ORIGIN },
    });
    assert.equal(s.status, 200);
    assert.equal(s.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(s.headers.get('access-control-allow-credentials'), 'true');
    const pre = await fetch(paths(server).stream, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
    assert.match(pre.headers.get('access-control-allow-headers'), /Content-Type/i);
  });

  it('a server-side disconnect ends the stream after a disconnect push', T, async () => {
    const { server } = ctx;
    const identity = user('S7', { user: 'u-S7-gone' });
    const s = await openStream(paths(server).sse, { sse: true, ...json({ token: tokenFor(server, identity) }) });
    await s.push((p) => p.connect);
    await cent(server).disconnect({ user: identity.user });
    const d = await s.push((p) => p.disconnect);
    assert.deepEqual(d, { disconnect: { code: 3503, reason: 'force disconnect' } });
    await s.end();
  });
});

describe('uni_http_stream', () => {
  it('fetch streaming: newline-delimited connect push, publications, pings', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:H1:deployments';
    const token = tokenFor(server, user('H1', { channels: [channel] }));
    const s = await openStream(paths(server).stream, json({ token }));
    assert.equal(s.status, 200);
    const connect = await s.push((p) => p.connect);
    assert.ok(connect.connect.subs[channel]);
    assert.ok(s.raw.startsWith('{"connect":'), s.raw.slice(0, 40));
    const published = await publish(server, channel, { n: 1 });
    assert.deepEqual(await s.push(isPub(channel)), { channel, pub: { data: { n: 1 }, offset: published.offset } });
    // ping_interval 2s: an empty push {} keeps the stream alive; no pong is expected.
    await s.push((p) => Object.keys(p).length === 0, 4000);
    await publish(server, channel, { n: 2 });
    await s.push((p) => p.pub && p.pub.data.n === 2);
    assert.equal(s.ended, false, 'not closed for a missing pong');
  });

  it('refusals: GET 405, bad token 401, broken JSON 400 (3501), oversized 413, permission 403', T, async () => {
    const { server } = ctx;
    const url = paths(server).stream;
    let r = await fetch(url);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST, OPTIONS');
    r = await fetch(url, { method: 'POST', body: JSON.stringify({ token: 'x.y.z' }) });
    assert.equal(r.status, 401);
    r = await fetch(url, { method: 'POST', body: '{"token":' });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { code: 3501, reason: 'bad request' });
    r = await fetch(url, { method: 'POST', body: JSON.stringify({ token: 'x'.repeat(400_000) }) }).catch((e) => e);
    if (!(r instanceof Error)) assert.equal(r.status, 413);
    // A token channel the user may not read: 103 on connect -> 3507 -> 403.
    const token = tokenFor(server, user('H2', { channels: ['tenant:OTHER:deployments'] }));
    r = await fetch(url, { method: 'POST', body: JSON.stringify({ token }) });
    assert.equal(r.status, 403);
    assert.deepEqual(await r.json(), { code: 3507, reason: 'permission denied' });
  });
});

const uniWsAt = (server, query = '') => rawWs(`${paths(server).ws}${query}`, { headers: { Origin: ORIGIN } });

describe('pushes other than publications', () => {
  it('join and leave (force_push_join_leave) and a server-side unsubscribe arrive bare', T, async () => {
    const { server } = ctx;
    const channel = 'system:room';
    const watcher = { user: 'uni-watcher', roles: ['admin'], channels: [channel] };
    const s = await openStream(paths(server).stream, json({ token: tokenFor(server, watcher) }));
    await s.push((p) => p.connect);
    const { client } = await connectClient(server, { user: 'uni-visitor', roles: ['admin'] });
    const { sub } = await subscribe(client, channel);
    // (its own join comes first: the server-side subscription announced it too)
    const join = await s.push((p) => p.join && p.join.info.user === 'uni-visitor');
    assert.equal(join.channel, channel);
    assert.equal(typeof join.join.info.client, 'string');
    sub.unsubscribe();
    const leave = await s.push((p) => p.leave);
    assert.deepEqual(leave, { channel, leave: { info: join.join.info } });
    await cent(server).unsubscribe({ user: watcher.user, channel });
    assert.deepEqual(await s.push((p) => p.unsubscribe), {
      channel,
      unsubscribe: { code: 2000, reason: 'server unsubscribe' },
    });
    await publish(server, channel, { after: 'unsubscribe' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.pushes.filter((p) => p.pub).length, 0, 'nothing after the unsubscribe');
    assert.equal(s.ended, false);
  });
});

describe('uni_websocket', () => {
  const uniWs = uniWsAt;

  it(
    'the first message is the connect request; pushes come bare, one per frame; later messages are ignored',
    T,
    async () => {
      const { server } = ctx;
      const channel = 'tenant:W1:deployments';
      const r = uniWs(server);
      await r.opened;
      r.send({ token: tokenFor(server, user('W1', { channels: [channel] })) });
      const connect = await r.message((m) => m.connect);
      assert.ok(connect.connect.subs[channel]);
      r.send({ id: 2, subscribe: { channel: 'tenant:W1:billing' } }); // not a command here
      const a = await publish(server, channel, { n: 1 });
      await publish(server, channel, { n: 2 });
      await r.message((m) => m.pub && m.pub.data.n === 2);
      assert.deepEqual(
        r.messages.find((m) => m.pub && m.pub.data.n === 1),
        { channel, pub: { data: { n: 1 }, offset: a.offset } },
      );
      assert.ok(
        r.frames.every((f) => !f.includes('\n')),
        'one push per frame',
      );
      assert.equal(
        r.messages.find((m) => m.id === 2),
        undefined,
        'no reply to a command',
      );
      assert.ok(r.isOpen);
    },
  );

  it('cf_connect in the query; native pings beside the {} pushes', T, async () => {
    const { server } = ctx;
    const token = tokenFor(server, user('W2'));
    const r = uniWs(server, `?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
    let nativePings = 0;
    r.ws.on('ping', () => nativePings++);
    await r.opened;
    await r.message((m) => m.connect);
    await eventually(() => r.pings > 0 && nativePings > 0, 'a {} push and a ping frame', 4000);
    assert.ok(r.isOpen);
  });

  it('a bad token: a disconnect push, then close 3500', T, async () => {
    const { server } = ctx;
    const r = uniWs(server);
    await r.opened;
    r.send({ token: 'nope' });
    const closed = await r.waitClose();
    assert.equal(closed.code, 3500);
    assert.deepEqual(r.messages, [{ disconnect: { code: 3500, reason: 'invalid token' } }]);
  });

  it('a server-side disconnect: the disconnect push precedes the close frame', T, async () => {
    const { server } = ctx;
    const identity = user('W4', { user: 'u-W4-gone' });
    const r = uniWs(server, `?cf_connect=${encodeURIComponent(JSON.stringify({ token: tokenFor(server, identity) }))}`);
    await r.message((m) => m.connect);
    await cent(server).disconnect({ user: identity.user });
    const closed = await r.waitClose();
    assert.equal(closed.code, 3503);
    assert.deepEqual(r.messages.at(-1), { disconnect: { code: 3503, reason: 'force disconnect' } });
  });

  it('protobuf on a transport that speaks JSON only is refused, never answered in JSON', T, async () => {
    const { server } = ctx;
    for (const [url, protocols] of [
      [paths(server).ws, ['centrifuge-protobuf']],
      [`${paths(server).ws}?format=protobuf`, undefined],
      [`${paths(server).ws}?cf_protocol=protobuf`, undefined],
    ]) {
      const refusal = await new Promise((resolve, reject) => {
        const ws = new WebSocket(url, protocols, { headers: { Origin: ORIGIN } });
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        ws.on('open', () => reject(new Error(`${url} was upgraded`)));
        ws.on('error', () => {});
      });
      assert.equal(refusal.status, 400, url);
      assert.match(refusal.body, /uni_websocket speaks JSON only/, url);
    }
    const token = tokenFor(server, user('S9'));
    for (const url of [paths(server).stream, paths(server).sse]) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: JSON.stringify({ token }),
      });
      assert.equal(r.status, 400, url);
      assert.match(await r.text(), /this transport speaks JSON only/, url);
    }
  });
});

describe('metrics by transport', () => {
  const series = (name, transport) =>
    `centrifugo_client_connections_${name}\\{transport="${transport}",accept_protocol="h1"\\}`;
  const read = async (server, name, transport) => metric(server, series(name, transport));

  it('centrifugo_client_connections_inflight and _accepted count each transport', T, async () => {
    const { server } = ctx;
    const token = tokenFor(server, user('M1'));
    const kinds = ['uni_sse', 'uni_http_stream', 'uni_websocket', 'websocket'];
    const before = {};
    for (const k of kinds) before[k] = await read(server, 'accepted', k);
    const sse = await openStream(paths(server).sse, { sse: true, ...json({ token }) });
    const stream = await openStream(paths(server).stream, json({ token }));
    const ws = uniWsAt(server, `?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
    await Promise.all([sse.push((p) => p.connect), stream.push((p) => p.connect), ws.message((m) => m.connect)]);
    for (const k of ['uni_sse', 'uni_http_stream', 'uni_websocket']) {
      assert.equal(await read(server, 'inflight', k), 1, k);
      assert.equal(await read(server, 'accepted', k), before[k] + 1, k);
    }
    assert.equal(await read(server, 'inflight', 'http_stream'), 0);
    sse.close();
    stream.close();
    await ws.close();
    for (const k of ['uni_sse', 'uni_http_stream', 'uni_websocket']) {
      let open = 1;
      for (let i = 0; i < 50 && open !== 0; i++) {
        open = await read(server, 'inflight', k);
        if (open !== 0) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(open, 0, k);
    }
  });
});

/** Decodes a chunked HTTP/1.1 response: {head, body, complete} (complete: the final chunk came). */
function dechunk(raw) {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, headEnd).toString('latin1');
  const parts = [];
  let pos = headEnd + 4;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', pos);
    if (lineEnd < 0) return { head, body: Buffer.concat(parts).toString('utf8'), complete: false };
    const size = parseInt(raw.subarray(pos, lineEnd).toString('latin1'), 16);
    assert.ok(Number.isInteger(size), `a chunk size at byte ${pos}`);
    if (size === 0) return { head, body: Buffer.concat(parts).toString('utf8'), complete: true };
    assert.equal(raw.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString('latin1'), '\r\n', 'chunk end');
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 4 + size;
  }
}

describe('a client that stops reading', () => {
  it(
    'uni_http_stream: the queue limit ends the stream with a slow disconnect push, framing intact',
    { timeout: 30_000 },
    async () => {
      const { server } = ctx;
      const channel = 'tenant:SLOW:deployments';
      const body = JSON.stringify({ token: tokenFor(server, user('SLOW', { channels: [channel] })) });
      const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
      const received = [];
      socket.on('data', (d) => received.push(d));
      await new Promise((r) => socket.once('connect', r));
      const ended = new Promise((r) => socket.once('close', r));
      socket.write(
        `POST /connection/uni_http_stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await eventually(() => Buffer.concat(received).includes('"connect"'), 'the connect push');
      // From now on nothing is read: the kernel buffers fill (loopback autotuning lets them grow to
      // tcp_rmem's and tcp_wmem's maximum), then the server's queue (client.queue_max_bytes, 1 MiB).
      // Publish more than all of them can hold, and no more: after its abort the server gives a
      // client that does not read 5 s to take the rest of the stream, so every publication after
      // the abort delays the reading that must start within them (a few are enough: the kernel
      // buffers hold at most their maximum, so the abort comes within the first `room` bytes).
      socket.pause();
      const max = (file) => Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
      const room = max('/proc/sys/net/ipv4/tcp_rmem') + max('/proc/sys/net/ipv4/tcp_wmem') + (1 << 20);
      const blob = 'x'.repeat(200_000);
      const published = Math.ceil(room / blob.length) + 3;
      for (let i = 0; i < published; i += 10) {
        await Promise.all(Array.from({ length: 10 }, (_, j) => publish(server, channel, { n: i + j, blob })));
      }
      socket.resume();
      await ended;
      const { head, body: text, complete } = dechunk(Buffer.concat(received));
      assert.match(head, /^HTTP\/1.1 200 /);
      assert.equal(complete, true, 'the response ends with the final chunk');
      const lines = text.split('\n').filter((l) => l !== '');
      const pushes = lines.map((l) => JSON.parse(l));
      assert.deepEqual(pushes.at(-1), { disconnect: { code: 3008, reason: 'slow' } });
      const offsets = pushes.filter((p) => p.pub).map((p) => p.pub.offset);
      assert.ok(offsets.length > 0);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => offsets[0] + i),
        'what arrived is whole and in order',
      );
      assert.ok(offsets.length < published, 'some were dropped, and the client was told');
    },
  );
});
