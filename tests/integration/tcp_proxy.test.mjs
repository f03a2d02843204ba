// The fault tests' TCP proxy (support/tcp_proxy.mjs) checked on its own, in front of a local
// echo server: bytes pass in order both ways, delay(ms) holds each chunk at least ms, cut()
// closes every connection and refuses new ones until restore(), blackhole() holds the bytes
// until restore().
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { startTcpProxy } from './support/tcp_proxy.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A connection through the proxy that collects what comes back. */
function dial(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const conn = { socket, received: '', closed: false, arrivals: [] };
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      conn.received += d;
      conn.arrivals.push({ at: Date.now(), text: d });
    });
    socket.on('close', () => (conn.closed = true));
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

async function until(cond, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

describe('tcp proxy', () => {
  let echo;
  let proxy;
  const upstreamSockets = new Set();

  before(async () => {
    echo = net.createServer((s) => {
      upstreamSockets.add(s);
      s.on('close', () => upstreamSockets.delete(s));
      s.on('error', () => {});
      s.pipe(s);
    });
    await new Promise((r) => echo.listen(0, '127.0.0.1', r));
    proxy = await startTcpProxy(echo.address().port);
  });
  after(async () => {
    await proxy.close();
    await new Promise((r) => echo.close(r));
  });

  it('passes bytes through in order, both ways', { timeout: 5000 }, async () => {
    const c = await dial(proxy.port);
    const sent = Array.from({ length: 200 }, (_, i) => `<${i}>`).join('');
    for (let i = 0; i < 200; i++) c.socket.write(`<${i}>`);
    await until(() => c.received.length >= sent.length, 3000, 'the echo');
    assert.equal(c.received, sent);
    c.socket.destroy();
  });

  it('delay(ms) holds every chunk at least ms each way and keeps the order', { timeout: 5000 }, async () => {
    const c = await dial(proxy.port);
    await proxy.delay(150);
    const sentAt = Date.now();
    c.socket.write('a');
    await sleep(20);
    c.socket.write('b');
    await until(() => c.received === 'ab', 3000, 'both chunks');
    // Through the proxy twice (to the echo server and back): at least 2 x 150 ms.
    assert.ok(c.arrivals[0].at - sentAt >= 300, `first chunk after ${c.arrivals[0].at - sentAt} ms`);
    await proxy.restore();
    const fastAt = Date.now();
    c.socket.write('c');
    await until(() => c.received === 'abc', 3000, 'the chunk after restore');
    assert.ok(c.arrivals.at(-1).at - fastAt < 300, 'restore removes the delay');
    c.socket.destroy();
  });

  it('cut() closes every connection and refuses new ones until restore()', { timeout: 5000 }, async () => {
    const c = await dial(proxy.port);
    c.socket.write('x');
    await until(() => c.received === 'x', 3000, 'the echo');
    await proxy.cut();
    await until(() => c.closed, 3000, 'the client side to close');
    await until(() => upstreamSockets.size === 0, 3000, 'the upstream side to close');
    await assert.rejects(dial(proxy.port), { code: 'ECONNREFUSED' });
    await proxy.restore();
    const again = await dial(proxy.port);
    again.socket.write('y');
    await until(() => again.received === 'y', 3000, 'the echo after restore');
    again.socket.destroy();
  });

  it('blackhole() accepts but forwards nothing; restore() delivers what was held', { timeout: 5000 }, async () => {
    const c = await dial(proxy.port);
    await proxy.blackhole();
    c.socket.write('held');
    const late = await dial(proxy.port); // still accepted
    late.socket.write('late');
    await sleep(300);
    assert.equal(c.received, '');
    assert.equal(late.received, '');
    assert.equal(c.closed, false);
    await proxy.restore();
    await until(() => c.received === 'held' && late.received === 'late', 3000, 'the held bytes');
    c.socket.destroy();
    late.socket.destroy();
  });
});
