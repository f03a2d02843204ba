// The soak (issue 15 item 5), one piece of code for the test suite (soak.test.mjs, 60 s) and the
// benchmark (bench/soak.sh, 10 minutes): two neo-events nodes over one redis-server, `clients`
// logical clients that churn without pause - connect to one node, subscribe to a history
// channel (recovering from where they were), receive for a while, disconnect, and go again on
// the other node - while publishers post through both nodes' server API.
//
// Each node's RSS (/proc/<pid>/status VmRSS) and open fds (/proc/<pid>/fd) are taken idle (no
// client connected, after a settle period) twice: after a warm-up round of churn (the baseline)
// and after the main round. A leak grows with the number of connections served in between.
import { readdirSync } from 'node:fs';

import { NAMESPACES, WebSocket } from '../harness.mjs';
import { cluster, sleep } from './cluster.mjs';
import { checkDelivery, position, steadyPublisher, watch } from './delivery.mjs';
import { rssBytes } from './hardening.mjs';
import { Centrifuge, clientEndpoint } from './protocol.mjs';

const MiB = 1024 * 1024;
/** The promise: idle RSS and fds after the churn within 5 % of the baseline (RSS + this slack). */
export const LIMITS = { ratio: 1.05, rssSlackBytes: 8 * MiB };

const CONFIG = {
  namespaces: [...NAMESPACES, { name: 'soak', history_size: 1000, history_ttl: '1h', force_recovery: true }],
  roles: { soak_user: { subscribe: ['soak:*'] } },
  tenants: { max_connections: 100_000 },
  log: { level: 'warn' },
};

/** One node's idle footprint. */
function footprint(node) {
  return { rss: rssBytes(node.pid), fds: readdirSync(`/proc/${node.pid}/fd`).length };
}

/**
 * One logical client: a new centrifuge-js instance per connection, all sharing one event log
 * (support/delivery.mjs) and the stream position the next connection recovers from.
 */
function churner(c, nodes, name, channel) {
  const state = { name, channel, log: [], cycles: 0, failures: [] };
  /** Connects to `node`, subscribes (recovering), waits for `done()`, disconnects. */
  state.visit = async (node, done) => {
    const { endpoint, options } = clientEndpoint(node);
    const token = c.token({ user: name, roles: ['soak_user'] });
    const client = new Centrifuge(endpoint, { ...options, websocket: WebSocket, token, timeout: 10_000 });
    client.on('error', () => {});
    const since = position(state.log);
    const sub = client.newSubscription(channel, since ? { since } : {});
    sub.on('error', () => {});
    watch(sub, state.log);
    try {
      const subscribed = new Promise((resolve, reject) => {
        sub.once('subscribed', resolve);
        sub.once('unsubscribed', (ctx) => reject(new Error(`unsubscribed ${JSON.stringify(ctx)}`)));
        setTimeout(() => reject(new Error('not subscribed within 10 s')), 10_000).unref();
      });
      sub.subscribe();
      client.connect();
      await subscribed;
      await done();
    } catch (e) {
      state.failures.push(`${node.name}: ${e.message}`);
    } finally {
      sub.removeAllListeners(); // what follows the disconnect is not the subscriber's concern
      client.removeAllListeners();
      client.on('error', () => {});
      client.disconnect();
      state.cycles++;
    }
  };
  /** Churns between the nodes until stopped(): hold 200..1200 ms, then the other node. */
  state.run = async (stopped) => {
    while (!stopped()) await state.visit(nodes[state.cycles % nodes.length], () => sleep(200 + Math.random() * 1000));
  };
  return state;
}

/** One round of churn for `ms`: every client churns, publishers post to every channel. */
async function churnRound(nodes, clients, channels, ms, acked) {
  // 50 publications/s through each node, spread over the channels.
  const publishers = channels.flatMap((channel) => nodes.map((n) => ({ channel, ...steadyPublisher(n, channel, { everyMs: 20 * channels.length }) })));
  let stop = false;
  // The first connects spread over a second, not all at once.
  const loops = clients.map((cl, k) => sleep((k * 997) % 1000).then(() => cl.run(() => stop)));
  await sleep(ms);
  stop = true;
  await Promise.all(loops);
  await Promise.all(publishers.map((p) => p.stop()));
  for (const p of publishers) acked.get(p.channel).push(...p.acked());
  return publishers;
}

/**
 * Runs the soak. `t` gives after() for teardown (node:test's context, or a stand-in).
 * Resolves the numbers: footprints, cycles, publications, per-client verdicts.
 */
export async function runSoak(t, { clients: count = 200, warmupMs = 10_000, churnMs = 60_000, settleMs = 5000, channels: nch = 20, log = () => {} } = {}) {
  const c = cluster(t);
  const redis = await c.redis();
  const nodes = [await c.node('A', [redis.url], 'soak', CONFIG), await c.node('B', [redis.url], 'soak', CONFIG)];
  const channels = Array.from({ length: nch }, (_, k) => `soak:ch${k}`);
  const clients = Array.from({ length: count }, (_, k) => churner(c, nodes, `u${k}`, channels[k % nch]));
  const acked = new Map(channels.map((ch) => [ch, []]));
  // Idle means after settleMs: the closed clients' sockets and the publishers' keep-alive
  // connections (fetch keeps an idle one 4 s) are gone by then.
  const idle = async () => {
    await sleep(settleMs);
    return Object.fromEntries(nodes.map((n) => [n.name, footprint(n)]));
  };

  const start = await idle();
  log(`warm-up: ${count} clients for ${warmupMs / 1000} s`);
  await churnRound(nodes, clients, channels, warmupMs, acked);
  const baseline = await idle();
  log(`churn: ${count} clients for ${churnMs / 1000} s`);
  const cyclesBefore = clients.reduce((s, cl) => s + cl.cycles, 0);
  const publishers = await churnRound(nodes, clients, channels, churnMs, acked);
  const cycles = clients.reduce((s, cl) => s + cl.cycles, 0) - cyclesBefore;
  // Last visit: each client recovers what it missed since its last disconnect.
  await Promise.all(clients.map((cl, k) => cl.visit(nodes[k % nodes.length], () => caughtUp(cl, acked))));
  const after = await idle();
  const verdicts = clients.map((cl) => ({ name: cl.name, failures: cl.failures, ...checkDelivery(cl.log, acked.get(cl.channel)), fresh: freshSubscribes(cl.log) }));
  const published = [...acked.values()].reduce((s, a) => s + a.length, 0);
  const refused = publishers.flatMap((p) => p.sent).filter((e) => e.offset === undefined).length;
  return { c, nodes, start, baseline, after, cycles, published, refused, verdicts, limits: LIMITS };
}

/** Resolves once the client holds every acknowledged publication of its channel (10 s at most). */
async function caughtUp(cl, acked) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && checkDelivery(cl.log, acked.get(cl.channel)).missing.length) await sleep(200);
}

/** Subscribes that did not recover (only the very first may be one). */
function freshSubscribes(log) {
  return log.filter((e) => e.kind === 'subscribed' && !e.wasRecovering).length;
}

/** Whether `after` is within LIMITS of `baseline`, per node: {A: {rss, fds}, ...}. */
export function withinLimits(baseline, after) {
  return Object.fromEntries(
    Object.keys(baseline).map((n) => [
      n,
      {
        rss: after[n].rss <= baseline[n].rss * LIMITS.ratio + LIMITS.rssSlackBytes,
        fds: after[n].fds <= Math.ceil(baseline[n].fds * LIMITS.ratio),
      },
    ]),
  );
}

/** The numbers as one Markdown table (MiB, fds) for BENCHMARKS.md and the test's diagnostics. */
export function report(r) {
  const mib = (b) => (b / MiB).toFixed(1);
  const rows = r.nodes.map((n) => {
    const [s, b, a] = [r.start[n.name], r.baseline[n.name], r.after[n.name]];
    return `| ${n.name} | ${mib(s.rss)} | ${mib(b.rss)} | ${mib(a.rss)} | ${(((a.rss - b.rss) / b.rss) * 100).toFixed(1)} % | ${s.fds} | ${b.fds} | ${a.fds} |`;
  });
  return [
    `connect-subscribe-disconnect cycles: ${r.cycles}; publications acknowledged: ${r.published} (refused: ${r.refused})`,
    '',
    '| node | RSS start (MiB) | RSS baseline | RSS after | RSS change | fds start | fds baseline | fds after |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
