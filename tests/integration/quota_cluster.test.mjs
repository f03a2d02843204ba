// Exact tenant connection quotas across nodes (issue 15 item 3): several neo-events nodes on
// one real redis-server share each tenant's count (docs/scaling.md, "Tenant quotas across
// nodes").
//
// 1. A burst of 20 connects spread over 3 nodes with max_connections 3: exactly 3 admitted, the
//    rest closed 3504; one disconnects -> exactly one more is admitted.
// 2. A node holding connections is killed (SIGKILL): once the others forget it (~6 s) its share
//    is free again.
// 3. Redis stopped: the nodes count locally, say so once in the log and in /metrics
//    (neo_events_quota_fallback, neo_events_quota_fallback_admits_total).
// 1b, 4b. The same burst and the same shared rate on a Redis Cluster (3 masters + 3 replicas),
//    for tenants whose keys live on different masters.
//
// And the tenant publish rate shared by the nodes (issue 15 item 7, max_publish_per_second 20):
// 4. Publishers hammering two nodes for 3 s (server API and client publishes): at most 20
//    accepted in any second of Redis TIME (this machine's clock), every refusal 111; a node
//    alone still gets the whole rate.
// 5. Redis stopped: each node applies the rate alone, logs it once, counts it in
//    neo_events_rate_fallback_admits_total; back to the shared budget when Redis returns.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import { apiPost, claimsFor, makeToken, rawWs, startServer } from './harness.mjs';
import { startRedis } from './redis.mjs';
import { startRedisCluster } from './support/redis_cluster.mjs';
import { attemptConnect, connectOutcome, metric, sleep } from './support/hardening.mjs';

const SECRET = randomBytes(24).toString('hex');
const REFUSED = { close: 3504, reason: 'connection limit', replies: 0 };

// `shards` redis-servers (or, with shards 'cluster', a Redis Cluster of 3 masters + 3
// replicas, each node given another seed) and `count` nodes on them with these `tenants`
// limits, stopped by t.after. `redis` is the first server: the one holding the quotas.
async function nodesOnRedis(t, count, tenants, shards = 1) {
  const redises = [];
  let redisCluster = null;
  if (shards === 'cluster') redisCluster = await startRedisCluster();
  else for (let i = 0; i < shards; i++) redises.push(await startRedis());
  const redis = redises[0];
  const prefix = `q${randomBytes(4).toString('hex')}`;
  const nodes = [];
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const r of redises) await r.stop();
    await redisCluster?.stop();
  });
  const where = (i) =>
    redisCluster ? { addresses: [], cluster: [redisCluster.nodes[i % 3].url] } : { addresses: redises.map((r) => r.url) };
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startServer({
        engine: { type: 'redis', redis: { ...where(i), prefix } },
        client: { token: { hmac_secret: SECRET } },
        node: { name: `n${i}` },
        tenants,
      }),
    );
  }
  return { redis, nodes };
}

// tenants.max_connections: 3.
async function quotaCluster(t, count, shards = 1) {
  const { redis, nodes } = await nodesOnRedis(t, count, { max_connections: 3 }, shards);
  let user = 0;
  const connect = async (node, tenant = 'T') => {
    const token = makeToken(SECRET, claimsFor({ user: `u${user++}`, tenant, roles: ['tenant_user'] }));
    const attempt = await attemptConnect(node.wsUrl, token); // closed after the test
    return { ...attempt, outcome: connectOutcome(attempt) };
  };
  // A release reaches Redis a moment after the socket closed: retries until one connect is
  // admitted (and keeps it).
  const connectOnceFree = (node) =>
    waitUntil('a connect to be admitted', async () => (await connect(node)).outcome === 'accepted', 15_000);
  return { redis, nodes, connect, connectOnceFree };
}

const accepted = (attempts) => attempts.filter((a) => a.outcome === 'accepted');

// Every node's announcement has been seen by the others, so a crash is noticed by expiry.
const announced = () => sleep(2500);

async function waitUntil(what, check, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('tenant connection quota across nodes (Redis)', () => {
  it('a burst of 20 connects over 3 nodes admits exactly max_connections; a freed place admits one more', { timeout: 60_000 }, async (t) => {
    const { nodes, connect, connectOnceFree } = await quotaCluster(t, 3);
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(nodes[i % 3])));
    const ins = accepted(burst);
    assert.equal(ins.length, 3);
    for (const a of burst) if (a.outcome !== 'accepted') assert.deepEqual(a.outcome, REFUSED);

    await ins[0].r.close();
    await connectOnceFree(nodes[2]);
    const after = await Promise.all(Array.from({ length: 4 }, (_, i) => connect(nodes[i % 3])));
    assert.equal(accepted(after).length, 0);
    // Another tenant has its own count.
    assert.equal((await connect(nodes[1], 'U')).outcome, 'accepted');
  });

  // The counts live on the master of each tenant's slot: tenants on every master, each node
  // knowing one seed only.
  it('on a Redis Cluster: a burst of 20 connects per tenant over 3 nodes admits exactly max_connections, for tenants on every master', { timeout: 90_000 }, async (t) => {
    const { nodes, connect } = await quotaCluster(t, 3, 'cluster');
    const tenants = ['T', 'U', 'V', 'W', 'X', 'Y'];
    const burst = await Promise.all(tenants.flatMap((tenant) => Array.from({ length: 20 }, (_, i) => connect(nodes[i % 3], tenant).then((a) => ({ ...a, tenant })))));
    for (const tenant of tenants) assert.equal(accepted(burst.filter((a) => a.tenant === tenant)).length, 3, `tenant ${tenant}`);
    for (const a of burst) if (a.outcome !== 'accepted') assert.deepEqual(a.outcome, REFUSED);
    for (const node of nodes) {
      assert.equal(await metric(node, 'neo_events_quota_fallback'), 0, `${node.port} counted in the cluster`);
      assert.equal(await metric(node, 'neo_events_quota_fallback_admits_total'), 0);
      assert.ok(!node.output.includes('counting locally'), node.output);
    }
  });

  it('a killed node\'s connections stop counting once the others forget it', { timeout: 60_000 }, async (t) => {
    const { nodes, connect, connectOnceFree } = await quotaCluster(t, 2);
    const [A, B] = nodes;
    await announced();
    assert.equal((await connect(A)).outcome, 'accepted');
    assert.equal((await connect(A)).outcome, 'accepted');
    assert.equal((await connect(B)).outcome, 'accepted');
    assert.deepEqual((await connect(B)).outcome, REFUSED);

    process.kill(A.pid, 'SIGKILL');
    // Until B forgets A (NodeRegistry expiry, 6 s without news), A's two still count.
    assert.deepEqual((await connect(B)).outcome, REFUSED);
    await connectOnceFree(B);
    assert.ok(B.output.includes('stopped announcing'), 'freed only once B forgot A');
    const again = await Promise.all([connect(B), connect(B), connect(B)]);
    assert.equal(accepted(again).length, 1);
  });

  it('redis stopped: local counting, logged once and shown in /metrics', { timeout: 60_000 }, async (t) => {
    const { redis, nodes, connect } = await quotaCluster(t, 1);
    const [A] = nodes;
    await waitUntil('the shared count reachable', async () => (await metric(A, 'neo_events_quota_fallback')) === 0, 10_000);
    assert.equal(await metric(A, 'neo_events_quota_fallback_admits_total'), 0);
    assert.equal((await connect(A)).outcome, 'accepted');

    await redis.kill();
    const line = 'tenant quotas: redis unreachable, counting locally';
    await waitUntil('the fallback log line', async () => A.output.includes(line), 10_000);
    assert.equal(await metric(A, 'neo_events_quota_fallback'), 1);
    // The local rule: 1 here already, max 3 -> two more, then 3504.
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await connect(A)).outcome);
    assert.deepEqual(outcomes, ['accepted', 'accepted', REFUSED]);
    assert.equal(await metric(A, 'neo_events_quota_fallback_admits_total'), 2);
    await sleep(1000); // reconnect attempts go on: still one line per outage
    assert.equal(A.output.split(line).length - 1, 1);

    await redis.start();
    await waitUntil('the shared count back', async () => (await metric(A, 'neo_events_quota_fallback')) === 0, 10_000);
    // The re-sync put this node's 3 connections back into the emptied Redis.
    assert.deepEqual((await connect(A)).outcome, REFUSED);
  });
});

// ---- tenant publish rate -------------------------------------------------------------------

const RATE = 20;
const CHANNEL = 'tenant:T:deployments';
const TOO_MANY = { code: 111, message: 'too many requests' };

async function rateCluster(t, count, shards = 1) {
  const { redis, nodes } = await nodesOnRedis(t, count, { max_publish_per_second: RATE }, shards);
  const sockets = [];
  t.after(() => Promise.all(sockets.map((r) => r.close())));
  // A tenant_admin of T connected to `node`, publishing with the client protocol.
  const publisher = async (node) => {
    const r = rawWs(node.wsUrl);
    sockets.push(r);
    await r.opened;
    const token = makeToken(SECRET, claimsFor({ user: `p${sockets.length}`, tenant: 'T', roles: ['tenant_admin'] }));
    assert.ok((await r.connect(token)).connect);
    return r;
  };
  return { redis, nodes, publisher };
}

// One publication; `sent` and `answered` bound when the node decided (ms since the epoch).
async function publishOnce(node, via, n, channel = CHANNEL) {
  const sent = Date.now();
  const data = { type: 'deployment_update', n };
  let error;
  if (via) {
    error = (await via.request('publish', { channel, data })).error;
    if (error) delete error.temporary;
  } else {
    error = (await apiPost(node, 'publish', { channel, data })).json.error;
  }
  return { node: node.port, sent, answered: Date.now(), ok: !error, error };
}

// Publishes as fast as each publisher gets answers, until `ms` have passed.
async function hammer(targets, ms) {
  const until = Date.now() + ms;
  const results = [];
  let n = 0;
  await Promise.all(
    targets.map(async ({ node, via }) => {
      while (Date.now() < until) results.push(await publishOnce(node, via, n++));
    }),
  );
  return results;
}

// Accepted publications per second of the clock, counting those decided surely within it (sent
// and answered in the same second).
function acceptedPerSecond(results) {
  const perSecond = new Map();
  for (const r of results) {
    if (!r.ok) continue;
    const second = Math.floor(r.sent / 1000);
    if (second !== Math.floor(r.answered / 1000)) continue;
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return perSecond;
}

function secondsTouched(results) {
  const first = Math.floor(Math.min(...results.map((r) => r.sent)) / 1000);
  const last = Math.floor(Math.max(...results.map((r) => r.answered)) / 1000);
  return last - first + 1;
}

describe('tenant publish rate across nodes (Redis)', () => {
  it('publishers hammering two nodes for 3 s get at most max_publish_per_second per second between them', { timeout: 60_000 }, async (t) => {
    const { nodes, publisher } = await rateCluster(t, 2);
    const [A, B] = nodes;
    const targets = [];
    for (const node of nodes) {
      targets.push({ node }, { node }, { node }, { node, via: await publisher(node) });
    }
    const results = await hammer(targets, 3000);
    const accepted = results.filter((r) => r.ok);
    for (const r of results) if (!r.ok) assert.deepEqual(r.error, TOO_MANY);
    for (const [second, n] of acceptedPerSecond(results)) assert.ok(n <= RATE, `${n} accepted in second ${second}`);
    assert.ok(accepted.length <= RATE * secondsTouched(results), `${accepted.length} accepted in ${secondsTouched(results)} s`);
    assert.ok(accepted.some((r) => r.node === A.port) && accepted.some((r) => r.node === B.port), 'both nodes got a share');
    assert.ok(results.length > accepted.length * 2, `the publishers asked for more than the rate (${results.length})`);

    // B alone: the whole rate, every window it hammers through.
    await sleep(1000);
    const alone = await hammer([{ node: B }, { node: B }, { node: B, via: await publisher(B) }], 3000);
    const aloneAccepted = alone.filter((r) => r.ok).length;
    assert.ok(aloneAccepted >= RATE * 2, `one node alone got ${aloneAccepted} in 3 s`);
    assert.ok(aloneAccepted <= RATE * secondsTouched(alone));
  });

  it('on a Redis Cluster: publishers hammering two nodes for 3 s get at most max_publish_per_second per second between them', { timeout: 90_000 }, async (t) => {
    const { nodes, publisher } = await rateCluster(t, 2, 'cluster');
    const targets = [];
    for (const node of nodes) targets.push({ node }, { node }, { node, via: await publisher(node) });
    const results = await hammer(targets, 3000);
    const accepted = results.filter((r) => r.ok);
    for (const r of results) if (!r.ok) assert.deepEqual(r.error, TOO_MANY);
    for (const [second, n] of acceptedPerSecond(results)) assert.ok(n <= RATE, `${n} accepted in second ${second}`);
    assert.ok(accepted.length <= RATE * secondsTouched(results), `${accepted.length} accepted in ${secondsTouched(results)} s`);
    assert.ok(accepted.length >= RATE * 2, `the budget was used: ${accepted.length} in 3 s`);
    assert.ok(results.length > accepted.length * 2, `the publishers asked for more than the rate (${results.length})`);
    for (const node of nodes) assert.equal(await metric(node, 'neo_events_rate_fallback_admits_total'), 0);
  });

  // The rate lives on the first Redis address; a channel on the second shard still publishes
  // while the first is down.
  it('first redis stopped: each node applies the rate alone, logged once and counted in /metrics', { timeout: 60_000 }, async (t) => {
    const { redis, nodes } = await rateCluster(t, 1, 2);
    const [A] = nodes;
    assert.equal((await publishOnce(A, null, 0)).ok, true);
    assert.equal(await metric(A, 'neo_events_rate_fallback_admits_total'), 0);

    await redis.kill();
    await sleep(1100); // past the lease's window: its tokens are gone
    // Admitted by the local rule, then refused by the engine (100) while its shard is down.
    const probes = [];
    let channel;
    for (let i = 0; !channel && i < 12; i++) {
      const r = await publishOnce(A, null, i, `tenant:T:c${i}`);
      probes.push(r);
      if (r.ok) channel = `tenant:T:c${i}`;
      else assert.equal(r.error.code, 100);
    }
    assert.ok(channel, 'a channel on the second shard');
    const burst = [];
    for (let i = 0; i < RATE + 10; i++) burst.push(await publishOnce(A, null, i, channel));
    for (const r of burst) if (!r.ok) assert.deepEqual(r.error, TOO_MANY);
    // The node's own bucket: RATE at once, plus what it refilled meanwhile.
    const admitted = probes.length + burst.filter((r) => r.ok).length;
    const elapsed = burst.at(-1).answered - probes[0].sent;
    assert.ok(admitted >= RATE && admitted <= RATE + Math.ceil((elapsed * RATE) / 1000), `${admitted} admitted in ${elapsed} ms`);
    assert.equal(await metric(A, 'neo_events_rate_fallback_admits_total'), admitted);
    const line = 'tenant publish rates: shared budget unreachable, this node applies max_publish_per_second alone';
    await sleep(1100); // the budget is asked again (and found unreachable again): still one line
    await publishOnce(A, null, 0, channel);
    assert.equal(A.output.split(line).length - 1, 1);

    await redis.start();
    await waitUntil(
      'the shared budget back',
      async () => {
        await publishOnce(A, null, 0, channel);
        return A.output.includes('tenant publish rates: shared budget reachable again');
      },
      15_000,
    );
  });
});
