// The Redis engine on a real Redis Cluster (engine.redis.cluster): 3 masters + 3 replicas
// (support/redis_cluster.mjs), two neo-events nodes given two seeds each.
//
// 1. Channels spread over all three masters (each channel's keys on the master CLUSTER SLOTS
//    names for its hash tag); subscribers on each node receive publications from the other,
//    in order with one offset sequence; history through both nodes; recovery across nodes;
//    presence and join/leave across nodes.
// 2. A channel's slot migrated to another master under a steady publisher (a batch of keys
//    moved, then the rest): every acknowledged publication arrives once, in order, or the
//    client is told recovered: false; afterwards the keys live on the new master.
// 3. A master killed (SIGKILL) under a steady publisher, its replica promoted: every
//    publication acknowledged reaches the subscriber once and in order (live, or recovered
//    from history after the gap), or the client is told recovered: false.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import {
  assertCleanExit,
  cent,
  closeTracked,
  connectClient,
  record,
  startServer,
  subscribe,
  waitFor,
  newSub,
} from './harness.mjs';
import { redisCommand } from './support/resp.mjs';
import { startRedisCluster } from './support/redis_cluster.mjs';

const SECRET = randomBytes(24).toString('hex');
const pubView = (p) => ({ data: p.data, offset: p.offset });

async function node(name, seeds, prefix) {
  const server = await startServer({
    engine: { type: 'redis', redis: { addresses: [], cluster: seeds, prefix } },
    client: { token: { hmac_secret: SECRET } },
    node: { name },
  });
  server.secret = SECRET;
  server.name = name;
  return server;
}

/** One channel per master: names tried in turn until each master owns one. */
async function channelPerMaster(redis, prefix) {
  const masters = await redis.masterPorts();
  const byMaster = new Map();
  for (let i = 0; byMaster.size < masters.length && i < 200; i++) {
    const channel = `tenant:${i}:deployments`;
    const master = await redis.masterOf(`${prefix}.stream.{${channel}}`);
    if (!byMaster.has(master)) byMaster.set(master, channel);
  }
  assert.equal(byMaster.size, 3, 'channels found for all three masters');
  return byMaster;
}

/** Publishes `{i}` through `server`, retrying error 100 (a failover or migration under way). */
function publisher(server, channel) {
  const acked = [];
  const publish = async (i) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        acked.push({ i, ...(await cent(server).publish({ channel, data: { i } })) });
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  return { acked, publish };
}

/**
 * Publishes steadily until the subscriber holds every acknowledged publication (at least
 * `atLeast`) or was told recovered: false; what it missed on PUB/SUB shows up as a gap at the
 * next publication, which makes it resubscribe and recover (docs/redis.md). Then asserts.
 */
async function publishUntilCaughtUp(t, { acked, publish }, got, resubscribed, atLeast) {
  const lostTrack = () => resubscribed.items.some((s) => s.wasRecovering && !s.recovered);
  const caughtUp = () => got.items.length === acked.length && acked.length >= atLeast;
  const deadline = Date.now() + 30_000;
  for (let i = acked.length + 1; !lostTrack() && !caughtUp() && Date.now() < deadline; i++) {
    await publish(i);
    await new Promise((r) => setTimeout(r, 200));
  }
  t.diagnostic(lostTrack() ? 'the client was told recovered: false' : `${got.items.length} delivered of ${acked.length} acknowledged`);
  if (lostTrack()) return;
  assert.deepEqual(got.items.map((p) => p.data.i), acked.map((a) => a.i), 'every acknowledged publication once, in order');
  assert.deepEqual(got.items.map((p) => p.offset), acked.map((a) => a.offset));
}

describe('redis engine on a Redis Cluster', () => {
  it('channels on all three masters: cross-node pub/sub, history, recovery, presence', { timeout: 90_000 }, async (t) => {
    const redis = await startRedisCluster();
    const servers = [];
    t.after(async () => {
      await closeTracked();
      await Promise.all(servers.map((s) => (s.stopResult ? null : s.stop())));
      await redis.stop();
    });
    const prefix = 'rc';
    const A = await node('A', redis.seeds(), prefix);
    servers.push(A);
    const B = await node('B', redis.seeds().reverse(), prefix);
    servers.push(B);
    const byMaster = await channelPerMaster(redis, prefix);

    for (const [master, channel] of byMaster) {
      const tenant = channel.split(':')[1];
      // A subscriber on each node; publications through both nodes reach both, in order.
      const { client: a } = await connectClient(A, { user: 'ann', tenant, roles: ['tenant_user'] });
      const { client: b } = await connectClient(B, { user: 'ben', tenant, roles: ['tenant_user'] });
      const { sub: subA, ctx } = await subscribe(a, channel);
      const { sub: subB } = await subscribe(b, channel);
      assert.equal(ctx.recoverable, true);
      const gotA = record(subA, 'publication');
      const gotB = record(subB, 'publication');
      const acks = [];
      for (let i = 1; i <= 3; i++) acks.push(await cent(B).publish({ channel, data: { via: 'B', i } }));
      for (let i = 4; i <= 6; i++) acks.push(await cent(A).publish({ channel, data: { via: 'A', i } }));
      assert.deepEqual(acks.map((r) => r.offset), [1, 2, 3, 4, 5, 6], `one offset sequence on ${channel}`);
      const expected = acks.map((r, k) => ({ data: { via: k < 3 ? 'B' : 'A', i: k + 1 }, offset: r.offset }));
      await gotA.until(6);
      await gotB.until(6);
      assert.deepEqual(gotA.items.map(pubView), expected);
      assert.deepEqual(gotB.items.map(pubView), expected);

      // The channel's keys live on the master that owns its hash tag's slot.
      for (const kind of ['stream', 'stream.meta'])
        assert.equal(await redisCommand(master, 'EXISTS', `${prefix}.${kind}.{${channel}}`), 1, `${kind} of ${channel} on ${master}`);

      for (const via of [A, B]) {
        const hist = await cent(via).getHistory({ channel, limit: 100 });
        assert.deepEqual(hist.publications.map(pubView), expected, `history via ${via.name}`);
      }

      // Recovery across nodes: away from A, three more through A, back on B with the position.
      const pos = { offset: 6, epoch: acks[0].epoch };
      a.disconnect();
      const missed = [];
      for (let i = 7; i <= 9; i++) missed.push(await cent(A).publish({ channel, data: { via: 'A', i } }));
      const { client: a2 } = await connectClient(B, { user: 'ann', tenant, roles: ['tenant_user'] });
      const sub2 = newSub(a2, channel, { since: pos });
      const got2 = record(sub2, 'publication');
      const subscribed = waitFor(sub2, 'subscribed', 5000, { failOn: ['unsubscribed'] });
      sub2.subscribe();
      const s2 = await subscribed;
      assert.equal(s2.recovered, true, `recovered on B (${channel})`);
      await got2.until(3);
      assert.deepEqual(got2.items.map(pubView), missed.map((m, k) => ({ data: { via: 'A', i: k + 7 }, offset: m.offset })));
      await closeTracked();
    }

    // Presence and join/leave across nodes.
    const pch = [...byMaster.values()][1];
    const ptenant = pch.split(':')[1];
    const { client: alice, ctx: aliceConn } = await connectClient(A, { user: 'alice', tenant: ptenant, roles: ['tenant_user'] });
    const { client: bob, ctx: bobConn } = await connectClient(B, { user: 'bob', tenant: ptenant, roles: ['tenant_user'] });
    const { sub: subAlice } = await subscribe(alice, pch, { joinLeave: true });
    const bobJoin = waitFor(subAlice, 'join', 5000, { predicate: (j) => j.info.user === 'bob' });
    await subscribe(bob, pch, { joinLeave: true });
    assert.equal((await bobJoin).info.client, bobConn.client);
    for (const via of [A, B]) {
      const p = await cent(via).getPresence({ channel: pch });
      assert.deepEqual(Object.keys(p.presence).sort(), [aliceConn.client, bobConn.client].sort(), `presence via ${via.name}`);
    }
    await closeTracked();
    for (const result of await Promise.all(servers.map((s) => s.stop()))) assertCleanExit(result);
  });

  it('a slot migrated to another master mid-stream: acknowledged publications arrive once, in order', { timeout: 90_000 }, async (t) => {
    const redis = await startRedisCluster();
    const servers = [];
    t.after(async () => {
      await closeTracked();
      await Promise.all(servers.map((s) => (s.stopResult ? null : s.stop())));
      await redis.stop();
    });
    const prefix = 'rm';
    const A = await node('A', redis.seeds(), prefix);
    servers.push(A);
    const B = await node('B', redis.seeds().reverse(), prefix);
    servers.push(B);
    const channel = 'tenant:6:deployments';
    const key = `${prefix}.stream.{${channel}}`;

    const { client } = await connectClient(A, { user: 'ann', tenant: '6', roles: ['tenant_user'] });
    const { sub } = await subscribe(client, channel, { minResubscribeDelay: 100, maxResubscribeDelay: 1000 });
    const got = record(sub, 'publication');
    const resubscribed = record(sub, 'subscribed');
    const pub = publisher(B, channel);
    for (let i = 1; i <= 3; i++) await pub.publish(i);
    await got.until(3);

    const from = await redis.masterOf(key);
    const to = (await redis.masterPorts()).find((p) => p !== from);
    let publishing = true;
    const steady = (async () => {
      for (let i = 4; publishing; i++) {
        await pub.publish(i);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await redis.migrateSlot(key, to, () => new Promise((r) => setTimeout(r, 500)));
    await new Promise((r) => setTimeout(r, 500));
    publishing = false;
    await steady;
    await publishUntilCaughtUp(t, pub, got, resubscribed, pub.acked.length + 1);

    assert.equal(await redis.masterOf(key), to);
    for (const kind of ['stream', 'stream.meta'])
      assert.equal(await redisCommand(to, 'EXISTS', `${prefix}.${kind}.{${channel}}`), 1, `${kind} moved to ${to}`);
    await closeTracked();
    for (const result of await Promise.all(servers.map((s) => s.stop()))) assertCleanExit(result);
  });

  it('a master killed and its replica promoted: acknowledged publications arrive once, in order', { timeout: 90_000 }, async (t) => {
    const redis = await startRedisCluster();
    const servers = [];
    t.after(async () => {
      await closeTracked();
      await Promise.all(servers.map((s) => (s.stopResult ? null : s.stop())));
      await redis.stop();
    });
    const prefix = 'rf';
    const A = await node('A', redis.seeds(), prefix);
    servers.push(A);
    const B = await node('B', redis.seeds().reverse(), prefix);
    servers.push(B);
    const channel = 'tenant:5:deployments';
    const [master, replica] = await redis.ownersOf(`${prefix}.stream.{${channel}}`);

    const { client } = await connectClient(A, { user: 'ann', tenant: '5', roles: ['tenant_user'] });
    const { sub } = await subscribe(client, channel, { minResubscribeDelay: 100, maxResubscribeDelay: 1000 });
    const got = record(sub, 'publication');
    const resubscribed = record(sub, 'subscribed');
    const pub = publisher(B, channel);
    for (let i = 1; i <= 3; i++) await pub.publish(i);
    await got.until(3);
    await redis.replicated(master, replica);
    await redis.node(master).kill();
    await publishUntilCaughtUp(t, pub, got, resubscribed, 8);
    assert.equal(await redis.masterOf(`${prefix}.stream.{${channel}}`), replica, 'the replica took over');
    await closeTracked();
    for (const result of await Promise.all(servers.map((s) => s.stop()))) assertCleanExit(result);
  });
});
