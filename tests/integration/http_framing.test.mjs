// HTTP framing on the public listener, probed over raw sockets as an attacker (or a confused
// proxy) would: a request we cannot frame the way every other reader would is answered with its
// status and the connection closes, so the bytes after it (a publish hidden in a body) are never
// executed; API requests are judged from their head (route, method, key, declared length) before
// a byte of the body is buffered; all bodies being read at once are bounded per node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ADMIN, TEST_TIMEOUT, apiPost, connectClient, record, subscribe, useServer } from './harness.mjs';
import { rssBytes, metric, sleep } from './support/hardening.mjs';
import { head, publishRequest, rawHttp } from './support/raw_http.mjs';

const T = { timeout: TEST_TIMEOUT };
const MAX_BODY = 1 << 20;
const ctx = useServer({ http: { max_body_bytes: MAX_BODY, max_bodies_in_flight_bytes: 2 * MAX_BODY } });

let channelCount = 0;
// A subscribed channel; check() publishes a marker through the API and asserts that the marker
// is the only publication that arrived (so nothing hidden in an attack was executed).
async function watchedChannel(server) {
  const channel = `tenant:framing${++channelCount}:deployments`;
  const { client } = await connectClient(server, ADMIN);
  const { sub } = await subscribe(client, channel);
  const pubs = record(sub, 'publication');
  return {
    channel,
    async check() {
      const r = await apiPost(server, 'publish', { channel, data: { marker: true } });
      assert.equal(r.status, 200, r.text);
      await pubs.until(1);
      await sleep(100);
      assert.deepEqual(
        pubs.items.map((p) => p.data),
        [{ marker: true }],
        'only the marker may arrive: a hidden request was executed',
      );
    },
  };
}

// Sends `bytes` whose body hides a publish; expects exactly `status`, then a close.
async function expectRefusedAndClosed(server, bytes, status) {
  const conn = rawHttp(server.port);
  await conn.send(bytes);
  const [response] = await conn.next(1);
  assert.equal(response.status, status, `${response.statusLine} ${response.body}`);
  assert.equal(response.headers.connection, 'close');
  assert.ok(await conn.closesWithin(3000), 'the connection must close after the refusal');
  assert.equal(conn.responses.length, 1, 'no second answer: nothing after the refusal is parsed');
  conn.destroy();
  return response;
}

const HOST = ['Host', '127.0.0.1'];

describe('request smuggling: refused with its status, then the connection closes', () => {
  const smuggles = [
    ['Transfer-Encoding: identity', '1.1', [['Transfer-Encoding', 'identity']], 400],
    ['Transfer-Encoding: chunked, identity', '1.1', [['Transfer-Encoding', 'chunked, identity']], 400],
    ['HTTP/1.0 keep-alive with Transfer-Encoding: chunked', '1.0', [['Connection', 'keep-alive'], ['Transfer-Encoding', 'chunked']], 400],
    ['Transfer-Encoding and Content-Length together', '1.1', [['Transfer-Encoding', 'chunked'], ['Content-Length', '4']], 400],
    ['a coding before chunked (gzip, chunked)', '1.1', [['Transfer-Encoding', 'gzip, chunked']], 501],
  ];
  for (const [name, version, headers, status] of smuggles) {
    it(`${name}: ${status}, closed, the hidden publish never runs`, T, async () => {
      const { server } = ctx;
      const watch = await watchedChannel(server);
      const hidden = publishRequest(server.apiKey, watch.channel, { hidden: true });
      const bytes =
        head('POST', '/api/publish', [HOST, ['X-API-Key', server.apiKey], ...headers], version) + hidden;
      await expectRefusedAndClosed(server, bytes, status);
      await watch.check();
    });
  }

  it('conflicting Content-Length headers: 400, closed, the hidden publish never runs', T, async () => {
    const { server } = ctx;
    const watch = await watchedChannel(server);
    const hidden = publishRequest(server.apiKey, watch.channel, { hidden: true });
    const bytes =
      head('POST', '/api/publish', [HOST, ['X-API-Key', server.apiKey], ['Content-Length', '2'], ['Content-Length', String(hidden.length + 2)]]) +
      `{}${hidden}`;
    await expectRefusedAndClosed(server, bytes, 400);
    await watch.check();
  });

  it('a publish pipelined after a refused request is not executed', T, async () => {
    const { server } = ctx;
    const watch = await watchedChannel(server);
    const bytes =
      head('POST', '/api/publish', [HOST, ['X-API-Key', server.apiKey], ['Transfer-Encoding', 'identity']]) +
      publishRequest(server.apiKey, watch.channel, { hidden: 1 }) +
      publishRequest(server.apiKey, watch.channel, { hidden: 2 });
    await expectRefusedAndClosed(server, bytes, 400);
    await watch.check();
  });
});

describe('every framing error gets a status before the close', () => {
  const cases = [
    ['a malformed Content-Length', head('POST', '/api/publish', [HOST, ['Content-Length', '12x']]), 400],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400],
    ['an unsupported HTTP version', head('GET', '/health', [HOST], '2.0'), 505],
    ['HTTP/1.1 without Host', head('GET', '/health', []), 400],
    ['two Host fields', head('GET', '/health', [HOST, ['Host', 'other']]), 400],
    ['a head over 16 KiB', head('GET', '/health', [HOST, ['X-Filler', 'a'.repeat(17 * 1024)]]), 431],
    ['a WebSocket upgrade with a body', head('GET', '/connection/websocket', [HOST, ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Content-Length', '5']]) + 'hello', 400],
  ];
  for (const [name, bytes, status] of cases) {
    it(`${name}: ${status}`, T, async () => {
      await expectRefusedAndClosed(ctx.server, bytes, status);
    });
  }

  it('a chunked API publish is read and executed', T, async () => {
    const { server } = ctx;
    const body = JSON.stringify({ channel: 'tenant:chunked:deployments', data: { ok: true } });
    const conn = rawHttp(server.port);
    await conn.send(
      head('POST', '/api/publish', [HOST, ['X-API-Key', server.apiKey], ['Transfer-Encoding', 'chunked']]) +
        `${(10).toString(16)}\r\n${body.slice(0, 10)}\r\n${(body.length - 10).toString(16)}\r\n${body.slice(10)}\r\n0\r\n\r\n`,
    );
    const [response] = await conn.next(1);
    assert.equal(response.status, 200, response.body);
    assert.ok(JSON.parse(response.body).result, response.body);
    conn.destroy();
  });
});

describe('API requests are judged from the head, before any body byte', () => {
  // Each sends only the head of a request announcing a large body: the answer must come
  // without a byte of that body having been sent.
  const refusals = [
    ['a wrong key', 'POST', '/api/publish', [['X-API-Key', 'wrong-key']], 401],
    ['no key', 'POST', '/api/publish', [], 401],
    ['a method other than POST', 'PUT', '/api/publish', ['KEY'], 405],
    ['an unknown path', 'POST', '/nowhere', ['KEY'], 404],
    ['a body on /health', 'POST', '/health', [], 413],
  ];
  for (const [name, method, target, extra, status] of refusals) {
    it(`${name}: ${status} before the body, then closed`, T, async () => {
      const { server } = ctx;
      const headers = extra.map((h) => (h === 'KEY' ? ['X-API-Key', server.apiKey] : h));
      const conn = rawHttp(server.port);
      await conn.send(head(method, target, [HOST, ...headers, ['Content-Length', String(MAX_BODY - 1)]]));
      const [response] = await conn.next(1);
      assert.equal(response.status, status, `${response.statusLine} ${response.body}`);
      if (status === 405) assert.equal(response.headers.allow, 'POST');
      assert.ok(await conn.closesWithin(7000), 'a refused request with an unread body closes the connection');
      conn.destroy();
    });
  }

  it('a declared length over http.max_body_bytes: 413 before the body', T, async () => {
    const { server } = ctx;
    const conn = rawHttp(server.port);
    await conn.send(head('POST', '/api/publish', [HOST, ['X-API-Key', server.apiKey], ['Content-Length', String(MAX_BODY + 1)]]));
    const [response] = await conn.next(1);
    assert.equal(response.status, 413);
    assert.ok(await conn.closesWithin(7000));
    conn.destroy();
  });

  it('Expect: 100-continue gets 100 once the head is admitted, then the answer', T, async () => {
    const { server } = ctx;
    const body = JSON.stringify({ channel: 'tenant:expect:deployments', data: {} });
    const conn = rawHttp(server.port);
    await conn.send(
      head('POST', '/api/publish', [HOST, ['X-API-Key', server.apiKey], ['Expect', '100-continue'], ['Content-Length', String(body.length)]]),
    );
    const [interim] = await conn.next(1);
    assert.equal(interim.status, 100);
    await conn.send(body);
    const [, final] = await conn.next(2);
    assert.equal(final.status, 200, final.body);
    conn.destroy();
  });

  it('Expect: 100-continue with a wrong key gets 401 and no 100', T, async () => {
    const { server } = ctx;
    const conn = rawHttp(server.port);
    await conn.send(head('POST', '/api/publish', [HOST, ['X-API-Key', 'wrong'], ['Expect', '100-continue'], ['Content-Length', '100000']]));
    const [response] = await conn.next(1);
    assert.equal(response.status, 401);
    assert.ok(await conn.closesWithin(7000));
    assert.equal(conn.responses.length, 1);
    conn.destroy();
  });

  it('a refusal without a body keeps the connection for the next request', T, async () => {
    const { server } = ctx;
    const conn = rawHttp(server.port);
    await conn.send(head('GET', '/nowhere', [HOST]) + head('GET', '/health', [HOST]));
    const [first, second] = await conn.next(2);
    assert.equal(first.status, 404);
    assert.equal(second.status, 200);
    conn.destroy();
  });

  it('8 sockets sending 15 MiB bodies with a wrong key leave the RSS flat', { timeout: 60_000 }, async () => {
    const { server } = ctx;
    const before = rssBytes(server.pid);
    const chunk = Buffer.alloc(256 * 1024, 'x');
    const blast = async () => {
      const conn = rawHttp(server.port);
      await conn.send(head('POST', '/api/publish', [HOST, ['X-API-Key', 'wrong'], ['Content-Length', String(15 << 20)]]));
      for (let sent = 0; sent < 15 << 20 && !conn.isClosed; sent += chunk.length) {
        if (!(await conn.send(chunk))) break;
      }
      const [response] = await conn.next(1);
      assert.equal(response.status, 401);
      conn.destroy();
    };
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 20);
    try {
      await Promise.all(Array.from({ length: 8 }, blast));
    } finally {
      clearInterval(sampler);
    }
    const growth = peak - before;
    assert.ok(growth < 8 << 20, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB (was ${(before / 1048576).toFixed(1)} MiB)`);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
  });

  it('bodies in flight over http.max_bodies_in_flight_bytes: 503 with Retry-After, then served again', T, async () => {
    const { server } = ctx;
    const refusalsBefore = (await metric(server, 'neo_events_http_body_budget_refusals_total')) ?? 0;
    const body = JSON.stringify({ channel: 'tenant:budget:deployments', data: {} });
    const padded = (n) => body + ' '.repeat(n - body.length); // whitespace after JSON is valid JSON
    const holder = (n) => head('POST', '/api/publish', [HOST, ['X-API-Key', server.apiKey], ['Content-Length', String(n)]]);
    // Two bodies of 1 MiB - 1 KiB hold nearly all of the 2 MiB budget while they arrive.
    const holders = [rawHttp(server.port), rawHttp(server.port)];
    const size = MAX_BODY - 1024;
    for (const h of holders) await h.send(holder(size) + padded(size).slice(0, 100));
    await sleep(200);
    const third = rawHttp(server.port);
    await third.send(holder(4096));
    const [busy] = await third.next(1);
    assert.equal(busy.status, 503, busy.body);
    assert.equal(busy.headers['retry-after'], '1');
    assert.equal(await metric(server, 'neo_events_http_body_budget_refusals_total'), refusalsBefore + 1);
    third.destroy();
    // The held bodies complete and are executed; their budget comes back.
    for (const h of holders) await h.send(padded(size).slice(100));
    for (const h of holders) {
      const [ok] = await h.next(1);
      assert.equal(ok.status, 200, ok.body);
      h.destroy();
    }
    const fourth = rawHttp(server.port);
    await fourth.send(holder(4096) + padded(4096));
    const [served] = await fourth.next(1);
    assert.equal(served.status, 200, served.body);
    fourth.destroy();
  });
});

describe('WebSocket version', () => {
  const upgrade = (version) =>
    head('GET', '/connection/websocket', [
      HOST,
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ...(version === undefined ? [] : [['Sec-WebSocket-Version', version]]),
    ]);
  for (const version of ['8', undefined]) {
    it(`${version === undefined ? 'no' : `version ${version}`} Sec-WebSocket-Version: 426 naming version 13, closed`, T, async () => {
      const response = await expectRefusedAndClosed(ctx.server, upgrade(version), 426);
      assert.equal(response.headers['sec-websocket-version'], '13');
      assert.equal(response.headers.upgrade, 'websocket');
    });
  }
});
