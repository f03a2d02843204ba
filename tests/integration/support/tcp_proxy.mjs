// A TCP proxy on a free loopback port in front of a real server (redis-server in the fault
// tests), so that a test can break the network between one node and Redis while the others
// stay connected:
//
//   cut()         destroys every connection and refuses new ones (the port stops listening)
//   blackhole()   a stalled network: connections stay open (new ones are accepted) but nothing
//                 is forwarded; what arrives meanwhile is held and delivered on restore, as
//                 TCP would once the path is back
//   delay(ms)     every chunk, both directions, is held ms before it is forwarded, in order
//   restore()     back to a plain pipe (listening again after a cut, held chunks flushed)
//   close()       stops listening and destroys every connection
import net from 'node:net';

import { freePort } from './ports.mjs';

/**
 * One direction of one connection: chunks are queued with the time they may leave and
 * written in arrival order once that time has come and the proxy is not a blackhole.
 */
class Pipe {
  constructor(proxy, from, to) {
    this.proxy = proxy;
    this.to = to;
    this.queue = []; // {at, chunk}
    this.timer = null;
    from.on('data', (chunk) => {
      const notBefore = this.queue.length ? this.queue.at(-1).at : 0;
      this.queue.push({ at: Math.max(Date.now() + proxy.delayMs, notBefore), chunk });
      this.pump();
    });
  }

  pump() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.proxy.mode === 'blackhole' || this.to.destroyed) return;
    while (this.queue.length && this.queue[0].at <= Date.now()) this.to.write(this.queue.shift().chunk);
    if (this.queue.length) this.timer = setTimeout(() => this.pump(), this.queue[0].at - Date.now());
  }

  stop() {
    clearTimeout(this.timer);
    this.queue = [];
  }
}

/** Starts a proxy to 127.0.0.1:`targetPort`; resolves the control object (`port`, `url`, ...). */
export async function startTcpProxy(targetPort) {
  const port = await freePort();
  const connections = new Set(); // {client, upstream, pipes}
  const proxy = {
    port,
    url: `redis://127.0.0.1:${port}`,
    mode: 'open', // 'open' | 'cut' | 'blackhole' | 'closed'
    delayMs: 0,
    /** Connections accepted so far (a test can see a reconnect attempt arrive). */
    accepted: 0,
  };

  const destroy = (conn) => {
    connections.delete(conn);
    for (const p of conn.pipes) p.stop();
    conn.client.destroy();
    conn.upstream.destroy();
  };

  const onClient = (client) => {
    proxy.accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const conn = { client, upstream, pipes: [] };
    connections.add(conn);
    conn.pipes.push(new Pipe(proxy, client, upstream), new Pipe(proxy, upstream, client));
    // Either side closing or failing ends both (a dead redis-server ends its clients' links).
    for (const s of [client, upstream]) {
      s.on('error', () => destroy(conn));
      s.on('close', () => destroy(conn));
    }
  };

  let server = null;
  const listen = () =>
    new Promise((resolve, reject) => {
      server = net.createServer(onClient);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const stopListening = () =>
    new Promise((resolve) => {
      if (!server) return resolve();
      const s = server;
      server = null;
      s.close(() => resolve());
    });
  const destroyAll = () => {
    for (const conn of [...connections]) destroy(conn);
  };
  const pumpAll = () => {
    for (const conn of connections) for (const p of conn.pipes) p.pump();
  };

  proxy.cut = async () => {
    proxy.mode = 'cut';
    const closed = stopListening();
    destroyAll();
    await closed;
  };
  proxy.blackhole = async () => {
    if (!server) await listen();
    proxy.mode = 'blackhole';
  };
  proxy.delay = async (ms) => {
    proxy.delayMs = ms;
  };
  proxy.restore = async () => {
    if (!server) await listen();
    proxy.mode = 'open';
    proxy.delayMs = 0;
    pumpAll();
  };
  proxy.close = async () => {
    proxy.mode = 'closed';
    const closed = stopListening();
    destroyAll();
    await closed;
  };
  /** Open proxied connections right now. */
  Object.defineProperty(proxy, 'connections', { get: () => connections.size });

  await listen();
  return proxy;
}
