// Several neo-events nodes on the Redis engine owned by one test (redis_cluster.test.mjs,
// redis_faults.test.mjs, soak.test.mjs): the nodes share one HMAC secret so a token is valid on
// either; redis-servers, nodes and clients are torn down by `t.after`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { assertCleanExit, closeAll, claimsFor, deepMerge, makeToken, newClient, rawWs, startServer, waitFor } from '../harness.mjs';
import { startRedis } from '../redis.mjs';
import { startTcpProxy } from './tcp_proxy.mjs';

const SECRET = randomBytes(24).toString('hex');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function cluster(t) {
  const c = {
    nodes: [],
    redises: [],
    proxies: [],
    clients: [],
    /** Nodes whose clean-exit check is skipped (SIGKILLed on purpose). */
    crashed: new Set(),
    async redis(opts) {
      const r = await startRedis(opts);
      c.redises.push(r);
      return r;
    },
    /** A TCP proxy (support/tcp_proxy.mjs) in front of `redis`: its `url` is an address. */
    async proxy(redis) {
      const p = await startTcpProxy(redis.port);
      c.proxies.push(p);
      return p;
    },
    async node(name, addresses, prefix, extra = {}, hooks = {}) {
      const server = await startServer(
        deepMerge(
          {
            engine: { type: 'redis', redis: { addresses, prefix } },
            client: { token: { hmac_secret: SECRET } },
            node: { name },
          },
          extra,
        ),
        hooks,
      );
      server.secret = SECRET;
      server.name = name;
      c.nodes.push(server);
      return server;
    },
    token(identity) {
      return makeToken(SECRET, claimsFor(identity));
    },
    /** A connected centrifuge-js client on `server`; resolves {client, ctx}. */
    async connect(server, identity, opts = {}) {
      const client = newClient(server, { token: c.token(identity), ...opts });
      c.clients.push(client);
      const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
      client.connect();
      return { client, ctx: await connected };
    },
    /** A raw protocol socket on `server`, connected as `identity`; resolves {r, reply}. */
    async raw(server, identity) {
      const r = rawWs(server.wsUrl);
      c.clients.push(r);
      await r.opened;
      const reply = await r.connect(c.token(identity));
      assert.ok(reply.connect, `connect on ${server.name} failed: ${JSON.stringify(reply)}`);
      return { r, reply };
    },
    async closeClients() {
      await closeAll(c.clients.splice(0));
    },
    /** Stops every node (SIGTERM) and asserts each exited cleanly, except the crashed ones. */
    async stopAll() {
      await c.closeClients();
      const results = await Promise.all(c.nodes.map((n) => n.stop()));
      for (const p of c.proxies) await p.close();
      for (const r of c.redises) await r.stop();
      c.nodes.forEach((n, i) => {
        if (!c.crashed.has(n)) assertCleanExit(results[i]);
      });
    },
    /** Runs `body`; on failure prints each node's output tail before rethrowing. */
    async run(body) {
      try {
        await body();
      } catch (err) {
        for (const n of c.nodes) {
          const lines = n.output.split('\n');
          process.stderr.write(
            `\n--- node ${n.name} (exited: ${JSON.stringify(n.exited)}) output, last 80 lines ---\n` +
              `${lines.slice(-80).join('\n')}\n--- end ---\n`,
          );
        }
        throw err;
      }
    },
  };
  t.after(async () => {
    await c.closeClients();
    await Promise.all(c.nodes.map((n) => (n.stopResult ? null : n.stop())));
    for (const p of c.proxies) await p.close();
    for (const r of c.redises) await r.stop();
  });
  return c;
}

export function subscribeWith(client, channel, opts = {}) {
  const sub = client.newSubscription(channel, { minResubscribeDelay: 100, maxResubscribeDelay: 1000, ...opts });
  sub.errors = [];
  sub.on('error', (e) => sub.errors.push(e));
  const subscribed = waitFor(sub, 'subscribed', 5000, { failOn: ['unsubscribed'] });
  sub.subscribe();
  return subscribed.then((ctx) => ({ sub, ctx }));
}

/** Waits (bounded) until `cond()` holds; `what` names it in the timeout message. */
export async function until(cond, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(50);
  }
}

export async function health(server) {
  try {
    const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status;
  } catch (e) {
    return `no answer (${e.message})`;
  }
}

export const pubView = (p) => ({ data: p.data, offset: p.offset });

/**
 * A node on the Redis engine (`redis`: engine.redis) that is not expected to serve: resolves it
 * once `line` is in its log. `server.started` settles to 'serving' or to startServer's error.
 */
export async function startUnserving(t, redis, line) {
  let server = null;
  const config = { engine: { type: 'redis', redis } };
  const started = startServer(config, { onSpawn: (s) => (server = s) }).then(() => 'serving', (e) => e);
  t.after(() => server?.stop());
  await until(() => server?.output.includes(line), 10_000, () => `the line ${JSON.stringify(line)} in ${server?.output}`);
  server.started = started;
  return server;
}
