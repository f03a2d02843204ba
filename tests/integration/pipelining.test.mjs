// HTTP/1.1 pipelining on the API: requests sent back to back on one connection are all
// executed, answered in request order (also when answers come back from Redis at different
// times), and nothing after a `Connection: close` request is executed.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';

import { ADMIN, TEST_TIMEOUT, connectClient, record, subscribe, useServer } from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

function request(server, method, path, body = '', extra = '') {
  return (
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${server.apiKey}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
  );
}

// Sends `bytes` in one write and collects responses until `count` arrived or the peer closed.
function pipeline(server, bytes, count) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const responses = [];
    let ended = false;
    const timer = setTimeout(() => finish(new Error(`only ${responses.length}/${count} responses`)), 5000);
    function finish(error) {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve({ responses, ended });
    }
    function parse() {
      for (;;) {
        const head = buffer.indexOf('\r\n\r\n');
        if (head < 0) return;
        const lines = buffer.subarray(0, head).toString().split('\r\n');
        const length = Number(/content-length: *(\d+)/i.exec(lines.join('\n'))?.[1] ?? 0);
        if (buffer.length < head + 4 + length) return;
        const body = buffer.subarray(head + 4, head + 4 + length).toString();
        responses.push({ status: Number(lines[0].split(' ')[1]), body, head: lines });
        buffer = buffer.subarray(head + 4 + length);
      }
    }
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      parse();
      if (responses.length >= count && count > 0) finish();
    });
    socket.on('end', () => {
      ended = true;
      finish();
    });
    socket.on('error', finish);
    socket.write(bytes);
  });
}

describe('API pipelining', () => {
  it('answers pipelined publishes in request order with rising offsets and delivers all', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:pipe1:deployments';
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    const n = 60;
    let bytes = '';
    for (let i = 0; i < n; i++) {
      bytes += request(server, 'POST', '/api/publish', JSON.stringify({ channel, data: { i } }));
    }
    const { responses } = await pipeline(server, bytes, n);
    assert.equal(responses.length, n);
    const offsets = responses.map((r) => {
      assert.equal(r.status, 200, r.body);
      return JSON.parse(r.body).result.offset;
    });
    for (let i = 1; i < n; i++) assert.ok(offsets[i] > offsets[i - 1], `offsets ${offsets}`);
    await pubs.until(n);
    assert.deepEqual(
      pubs.items.map((p) => p.data.i),
      [...Array(n).keys()],
    );
  });

  it('keeps each answer with its request across kinds and statuses', T, async () => {
    const { server } = ctx;
    const wrongKey = request(server, 'POST', '/api/info', '{}').replace(server.apiKey, 'wrong-key');
    const bytes =
      request(server, 'GET', '/health') +
      wrongKey +
      request(server, 'POST', '/api/publish', JSON.stringify({ channel: 'tenant:pipe2:deployments', data: {} })) +
      request(server, 'POST', '/api/publish', JSON.stringify({ channel: 'nonamespace:x', data: {} })) +
      request(server, 'POST', '/api/info', '{}');
    const { responses } = await pipeline(server, bytes, 5);
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 401, 200, 200, 200],
    );
    assert.ok('offset' in JSON.parse(responses[2].body).result, responses[2].body);
    assert.equal(JSON.parse(responses[3].body).error.code, 102, responses[3].body);
    assert.ok(Array.isArray(JSON.parse(responses[4].body).result.nodes), responses[4].body);
  });

  // The Redis engine answers a publish only after a Redis round trip, so there the upgrade
  // pipelined behind it finds an answer still owed: it waits for it, and upgrades after.
  it('upgrades a WebSocket request pipelined behind an API request after answering that', T, async () => {
    const { server } = ctx;
    const upgrade =
      'GET /connection/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
      'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const bytes =
      request(server, 'POST', '/api/publish', JSON.stringify({ channel: 'tenant:pipe4:deployments', data: {} })) +
      upgrade;
    const { responses } = await pipeline(server, bytes, 2);
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 101],
    );
    assert.ok('offset' in JSON.parse(responses[0].body).result, responses[0].body);
  });

  // Answers that are ready together leave in one write: each keeps its own well-formed head.
  it('writes each head of answers sent together as HTTP/1.1 requires', T, async () => {
    const { server } = ctx;
    const bytes =
      request(server, 'POST', '/api/publish', JSON.stringify({ channel: 'tenant:pipe5:deployments', data: {} })) +
      request(server, 'GET', '/api/publish') +
      request(server, 'POST', '/nowhere', '{}') +
      request(server, 'GET', '/health', '', 'Connection: close\r\n');
    const { responses, ended } = await pipeline(server, bytes, 0);
    assert.equal(ended, true);
    const fields = (r) => r.head.slice(1).map((line) => line.toLowerCase());
    assert.deepEqual(
      responses.map((r) => r.head[0]),
      ['HTTP/1.1 200 OK', 'HTTP/1.1 405 Method Not Allowed', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 200 OK'],
    );
    for (const r of responses) {
      assert.ok(fields(r).includes('server: neo-events'), r.head.join(' | '));
      assert.ok(fields(r).includes(`content-length: ${Buffer.byteLength(r.body)}`), r.head.join(' | '));
    }
    assert.ok(fields(responses[1]).includes('allow: post'), responses[1].head.join(' | '));
    assert.ok(!fields(responses[2]).some((f) => f.startsWith('connection:')), responses[2].head.join(' | '));
    assert.ok(fields(responses[3]).includes('connection: close'), responses[3].head.join(' | '));
  });

  it('executes nothing after a Connection: close request and then closes', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:pipe3:deployments';
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    const bytes =
      request(server, 'POST', '/api/publish', JSON.stringify({ channel, data: { n: 1 } })) +
      request(server, 'POST', '/api/publish', JSON.stringify({ channel, data: { n: 2 } }), 'Connection: close\r\n') +
      request(server, 'POST', '/api/publish', JSON.stringify({ channel, data: { n: 3 } }));
    const { responses, ended } = await pipeline(server, bytes, 0);
    assert.equal(ended, true);
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200],
    );
    await pubs.until(2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      pubs.items.map((p) => p.data.n),
      [1, 2],
    );
  });
});
