// The Redis engine as a cluster: several neo-events nodes sharing one or more redis-servers.
//
// 1. Two nodes on one redis: pub/sub, presence with join/leave, history and recovery across nodes.
// 2. Two Redis shards: channels spread over both servers, each channel on exactly one.
// 3. Redis crash (SIGKILL, AOF replayed on restart) under a steady publisher: no node crashes,
//    /health and the API report the outage, and the subscriber ends up with every acknowledged
//    publication, in order, once.
// 4. Node crash (SIGKILL): its client moves to the other node and recovers; its presence entries
//    are bounded in time and vanish once their expiry passes.
// 5. A dropped PUB/SUB connection: the missed publications show up as a gap, 2500, recovery.
// 6. Redis down when a node starts and when it stops.
// 7. Redis restarted without persistence: new epoch, 2500, recovered: false, live again.
//
// Every test starts its own redis-server(s) and nodes (support/cluster.mjs; engine.type set, so
// the harness never adds its own redis).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { apiPost, cent, record, waitFor } from './harness.mjs';
import { cluster, health, pubView, sleep, subscribeWith, until } from './support/cluster.mjs';
import { attemptConnect, connectOutcome } from './support/hardening.mjs';
import { redisCommand, redisKeys } from './support/resp.mjs';

const unixNow = () => Math.floor(Date.now() / 1000);

/**
 * The documented shard mapping (docs/redis.md): Lamping & Veach's jump consistent hash of the
 * FNV-1a 64-bit hash of the channel's bytes, over the ordered address list.
 */
function documentedShard(channel, shards) {
  const MASK = (1n << 64n) - 1n;
  let key = 14695981039346656037n;
  for (const b of Buffer.from(channel, 'utf8')) key = ((key ^ BigInt(b)) * 1099511628211n) & MASK;
  let bucket = -1;
  let next = 0;
  while (next < shards) {
    bucket = next;
    key = (key * 2862933555777941757n + 1n) & MASK;
    next = Math.floor((bucket + 1) * (2 ** 31 / Number((key >> 33n) + 1n)));
  }
  return bucket;
}

// ---------------------------------------------------------------------------------------------

describe('redis engine: several nodes as one service', () => {
  it('two nodes on one redis: pub/sub, presence with join/leave, history and recovery across nodes', { timeout: 30_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis();
      const A = await c.node('A', [redis.url], 'c1');
      const B = await c.node('B', [redis.url], 'c1');

      // --- publications through either node reach a subscriber on A, with their offsets.
      const channel = 'tenant:7:deployments';
      const { client: a } = await c.connect(A, { user: 'ann', tenant: '7', roles: ['tenant_user'] });
      const { sub, ctx: subCtx } = await subscribeWith(a, channel);
      assert.equal(subCtx.recoverable, true);
      assert.equal(subCtx.positioned, true);
      const got = record(sub, 'publication');
      const acks = [];
      for (let i = 1; i <= 5; i++) acks.push(await cent(B).publish({ channel, data: { via: 'B', i } }));
      for (let i = 6; i <= 8; i++) acks.push(await cent(A).publish({ channel, data: { via: 'A', i } }));
      await got.until(8);
      const expected = acks.map((r, k) => ({ data: { via: k < 5 ? 'B' : 'A', i: k + 1 }, offset: r.offset }));
      assert.deepEqual(got.items.map(pubView), expected);
      assert.deepEqual(acks.map((r) => r.offset), [1, 2, 3, 4, 5, 6, 7, 8], 'one offset sequence for both nodes');
      assert.equal(new Set(acks.map((r) => r.epoch)).size, 1, `one epoch: ${JSON.stringify(acks)}`);
      assert.equal(acks[0].epoch, subCtx.streamPosition.epoch);

      // --- history through B lists what was published through A (and B), and A agrees.
      const histB = await cent(B).getHistory({ channel, limit: 100 });
      assert.deepEqual(histB.publications.map(pubView), expected);
      assert.equal(histB.offset, 8);
      assert.equal(histB.epoch, acks[0].epoch);
      const histA = await cent(A).getHistory({ channel, limit: 100 });
      assert.deepEqual(histA.publications.map(pubView), expected);
      sub.unsubscribe();
      a.removeSubscription(sub);

      // --- presence and join/leave across nodes (namespace tenant: presence + join_leave).
      const pch = 'tenant:1:deployments';
      const { client: alice, ctx: aliceConn } = await c.connect(A, {
        user: 'alice', tenant: '1', roles: ['tenant_user'], info: { name: 'Alice' },
      });
      const { client: bob, ctx: bobConn } = await c.connect(B, {
        user: 'bob', tenant: '1', roles: ['tenant_user'], info: { name: 'Bob' },
      });
      const { sub: subAlice } = await subscribeWith(alice, pch, { joinLeave: true });
      const bobJoinSeenByAlice = waitFor(subAlice, 'join', 5000, { predicate: (j) => j.info.user === 'bob' });
      const { sub: subBob } = await subscribeWith(bob, pch, { joinLeave: true });
      const j1 = await bobJoinSeenByAlice;
      assert.equal(j1.info.client, bobConn.client);
      assert.deepEqual(j1.info.connInfo, { name: 'Bob' });

      // Alice leaves and comes back: Bob (on B) sees both.
      const aliceLeave = waitFor(subBob, 'leave', 5000, { predicate: (l) => l.info.user === 'alice' });
      subAlice.unsubscribe();
      const l1 = await aliceLeave;
      assert.equal(l1.info.client, aliceConn.client);
      const aliceJoin = waitFor(subBob, 'join', 5000, { predicate: (j) => j.info.user === 'alice' });
      const aliceSubscribed = waitFor(subAlice, 'subscribed', 5000, { failOn: ['unsubscribed'] });
      subAlice.subscribe();
      await aliceSubscribed;
      const j2 = await aliceJoin;
      assert.equal(j2.info.client, aliceConn.client);
      assert.deepEqual(j2.info.connInfo, { name: 'Alice' });

      // Presence through either node's API (and either client) lists both.
      for (const node of [A, B]) {
        const p = await cent(node).getPresence({ channel: pch });
        assert.deepEqual(Object.keys(p.presence).sort(), [aliceConn.client, bobConn.client].sort(), `presence via ${node.name}`);
        assert.equal(p.presence[aliceConn.client].user, 'alice');
        assert.equal(p.presence[bobConn.client].user, 'bob');
        assert.deepEqual(p.presence[aliceConn.client].conn_info, { name: 'Alice' });
        const stats = await cent(node).getPresenceStats({ channel: pch });
        assert.deepEqual(stats, { num_clients: 2, num_users: 2 }, `presence_stats via ${node.name}`);
      }
      const viaClient = await subBob.presence();
      assert.deepEqual(Object.keys(viaClient.clients).sort(), [aliceConn.client, bobConn.client].sort());

      // Bob leaves: Alice (on A) sees it, and presence drops him on both nodes.
      const bobLeave = waitFor(subAlice, 'leave', 5000, { predicate: (l) => l.info.user === 'bob' });
      subBob.unsubscribe();
      assert.equal((await bobLeave).info.client, bobConn.client);
      for (const node of [A, B]) {
        const p = await cent(node).getPresence({ channel: pch });
        assert.deepEqual(Object.keys(p.presence), [aliceConn.client], `presence via ${node.name} after Bob left`);
      }

      // --- recovery across nodes: subscribe on A, go away, 5 publications through B, come back
      // on B (a new centrifuge-js instance given the old position) and recover exactly those.
      const rch = 'tenant:8:deployments';
      const { client: r1 } = await c.connect(A, { user: 'rita', tenant: '8', roles: ['tenant_user'] });
      const { sub: rsub, ctx: rctx } = await subscribeWith(r1, rch);
      const rgot = record(rsub, 'publication');
      await cent(A).publish({ channel: rch, data: { phase: 'before', i: 1 } });
      await cent(B).publish({ channel: rch, data: { phase: 'before', i: 2 } });
      await rgot.until(2);
      const last = rgot.items[1];
      const pos = { offset: last.offset, epoch: rctx.streamPosition.epoch };
      r1.disconnect();
      const missed = [];
      for (let i = 1; i <= 5; i++) missed.push(await cent(B).publish({ channel: rch, data: { phase: 'missed', i } }));

      const { client: r2 } = await c.connect(B, { user: 'rita', tenant: '8', roles: ['tenant_user'] });
      const sub2 = r2.newSubscription(rch, { since: pos });
      sub2.on('error', () => {});
      const got2 = record(sub2, 'publication');
      const subscribed2 = waitFor(sub2, 'subscribed', 5000, { failOn: ['unsubscribed'] });
      sub2.subscribe();
      const s2 = await subscribed2;
      assert.equal(s2.wasRecovering, true);
      assert.equal(s2.recovered, true, `recovered on B from ${JSON.stringify(pos)}`);
      await got2.until(5);
      await sleep(200); // nothing more may follow
      assert.deepEqual(
        got2.items.map(pubView),
        missed.map((m, k) => ({ data: { phase: 'missed', i: k + 1 }, offset: m.offset })),
      );
      assert.deepEqual(missed.map((m) => m.offset), [3, 4, 5, 6, 7]);

      await c.stopAll();
    });
  });

  it('control plane: info lists every node, connection commands and channels reach every node, tenant quota spans nodes', { timeout: 45_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis();
      const quota = { tenants: { max_connections: 3 } };
      const A = await c.node('A', [redis.url], 'c9', quota);
      const B = await c.node('B', [redis.url], 'c9', quota);
      const infoVia = async (node) => (await cent(node).getInfo()).nodes;
      const byName = (nodes) => Object.fromEntries(nodes.map((n) => [n.name, n]));

      // --- node registry: each node lists itself first, then the other (announced every 2 s).
      for (const [self, other] of [[A, B], [B, A]]) {
        await until(async () => (await infoVia(self)).length === 2, 8000, `info via ${self.name} lists 2 nodes`);
        const nodes = await infoVia(self);
        assert.deepEqual(nodes.map((n) => n.name), [self.name, other.name]);
        assert.notEqual(nodes[0].uid, nodes[1].uid);
      }

      // A connection on A shows in B's view of A once A announces again.
      const channel = 'tenant:5:deployments';
      const { r: dora, reply: doraConn } = await c.raw(A, { user: 'dora', tenant: '5', roles: ['tenant_user'] });
      await until(async () => byName(await infoVia(B)).A.num_clients === 1, 8000, 'B sees A with 1 client');
      assert.equal(byName(await infoVia(B)).B.num_clients, 0);

      // --- subscribe through B: the client on A is subscribed and receives publications.
      assert.deepEqual(await cent(B).subscribe({ user: 'dora', channel }), {});
      const subPush = await dora.message((m) => m.push?.subscribe && m.push.channel === channel, 5000, 'server-side subscribe push');
      assert.equal(subPush.push.channel, channel);
      await cent(B).publish({ channel, data: { n: 1 } });
      const pub = await dora.message((m) => m.push?.pub && m.push.channel === channel, 5000, 'publication');
      assert.deepEqual(pub.push.pub.data, { n: 1 });

      // --- channels through B surveys A: the channel and its subscriber count are there.
      const chans = await cent(B).getChannels({ pattern: 'tenant:5:*' });
      assert.deepEqual(chans.channels, { [channel]: { num_clients: 1 } });
      assert.deepEqual((await cent(B).getChannels({ pattern: 'tenant:6:*' })).channels, {});
      const all = await cent(A).getChannels({});
      assert.deepEqual(all.channels[channel], { num_clients: 1 });

      // --- unsubscribe through B reaches A; nothing published afterwards arrives.
      assert.deepEqual(await cent(B).unsubscribe({ user: 'dora', channel }), {});
      await dora.message((m) => m.push?.unsubscribe && m.push.channel === channel, 5000, 'server-side unsubscribe push');
      await cent(B).publish({ channel, data: { n: 2 } });
      await sleep(300);
      assert.deepEqual(dora.pushes(channel).filter((p) => p.pub).map((p) => p.pub.data), [{ n: 1 }]);

      // --- refresh through B: A's client gets the new expiry.
      const expireAt = unixNow() + 600;
      assert.deepEqual(await cent(B).refresh({ user: 'dora', expire_at: expireAt }), {});
      const refresh = await dora.message((m) => m.push?.refresh, 5000, 'refresh push');
      assert.equal(refresh.push.refresh.expires, true);
      assert.ok(Math.abs(refresh.push.refresh.ttl - 600) <= 2, JSON.stringify(refresh));

      // --- disconnect through B closes A's connection with the given code; a client of another
      // user on A stays.
      const { r: eve } = await c.raw(A, { user: 'eve', tenant: '6', roles: ['tenant_user'] });
      assert.deepEqual(await cent(B).disconnect({ user: 'dora', client: doraConn.connect.client, disconnect: { code: 4001, reason: 'moved' } }), {});
      assert.deepEqual(await dora.waitClose(5000), { code: 4001, reason: 'moved' });
      await sleep(200);
      assert.equal(eve.isOpen, true, 'another user is untouched');

      // --- tenant quota across nodes: max 3 for tenant Q counts A's and B's connections.
      const q = (i) => ({ user: `q-${i}`, tenant: 'Q', roles: ['tenant_user'] });
      const { r: q1 } = await c.raw(A, q(1));
      await c.raw(A, q(2));
      await c.raw(B, q(3));
      await until(async () => byName(await infoVia(B)).A.num_clients === 3, 8000, 'B sees A with 3 clients (eve, q-1, q-2)');
      await until(async () => byName(await infoVia(A)).B.num_clients === 1, 8000, 'A sees B with 1 client (q-3)');
      for (const node of [A, B]) {
        const outcome = connectOutcome(await attemptConnect(node.wsUrl, c.token(q(`over-${node.name}`))));
        assert.deepEqual(outcome, { close: 3504, reason: 'connection limit', replies: 0 }, `4th Q connection on ${node.name}`);
      }
      // Another tenant is not affected by Q's count.
      assert.equal(connectOutcome(await attemptConnect(B.wsUrl, c.token({ user: 'x', tenant: 'X', roles: ['tenant_user'] }))), 'accepted');
      // One of Q's connections on A goes away: once A announces it, B admits one more.
      await q1.close();
      await until(async () => byName(await infoVia(B)).A.num_clients === 2, 8000, 'B sees A with 2 clients');
      assert.equal(connectOutcome(await attemptConnect(B.wsUrl, c.token(q('again')))), 'accepted');

      // --- a node that stops says goodbye: the other forgets it at once, not after expiry.
      await B.stop();
      await until(async () => (await infoVia(A)).length === 1, 1500, 'A forgets B right after its graceful stop');
      await c.stopAll();
    });
  });

  it('two redis shards: every channel lives on exactly one server, both are used, subscribers on both nodes get exactly their channel', { timeout: 30_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const r1 = await c.redis();
      const r2 = await c.redis();
      const addresses = [r1.url, r2.url];
      const A = await c.node('A', addresses, 'c2');
      const B = await c.node('B', addresses, 'c2');
      const N = 20;
      const ROUNDS = 3;
      const channels = Array.from({ length: N }, (_, k) => `tenant:${k + 1}:deployments`);

      // One subscriber per channel on each node (40 connections, one subscription each).
      const subs = []; // {channel, node, got}
      await Promise.all(
        channels.flatMap((channel, k) =>
          [A, B].map(async (node) => {
            const { client } = await c.connect(node, { user: `u${k + 1}${node.name}`, tenant: String(k + 1), roles: ['tenant_user'] });
            const { sub } = await subscribeWith(client, channel);
            subs.push({ channel, node, sub, got: record(sub, 'publication') });
          }),
        ),
      );

      // Each channel gets publications through both nodes, so two nodes that disagreed on a
      // channel's shard would leave its keys on both servers.
      const acks = new Map(channels.map((ch) => [ch, []]));
      for (let round = 1; round <= ROUNDS; round++) {
        await Promise.all(
          channels.map(async (channel, k) => {
            const via = (k + round) % 2 === 0 ? A : B;
            const res = await cent(via).publish({ channel, data: { channel, round, via: via.name } });
            acks.get(channel).push(res);
          }),
        );
      }
      await Promise.all(subs.map((s) => s.got.until(ROUNDS, 8000)));
      await sleep(300); // a stray publication of another channel would show up by now
      for (const s of subs) {
        const expected = acks.get(s.channel).map((res, k) => ({
          data: { channel: s.channel, round: k + 1, via: (channels.indexOf(s.channel) + k + 1) % 2 === 0 ? 'A' : 'B' },
          offset: res.offset,
        }));
        assert.deepEqual(s.got.items.map(pubView), expected, `subscriber of ${s.channel} on ${s.node.name}`);
        assert.deepEqual(expected.map((e) => e.offset), [1, 2, 3], `offsets of ${s.channel}`);
      }

      // What each redis-server holds.
      const metaOf = async (r) => (await redisKeys(r.port, 'c2.stream.meta.*')).map((k) => k.slice('c2.stream.meta.'.length));
      const streamOf = async (r) => (await redisKeys(r.port, 'c2.stream.tenant:*')).map((k) => k.slice('c2.stream.'.length));
      const meta1 = await metaOf(r1);
      const meta2 = await metaOf(r2);
      assert.ok(meta1.length > 0 && meta2.length > 0, `channels must spread over both shards: ${JSON.stringify({ meta1, meta2 })}`);
      assert.deepEqual(meta1.filter((ch) => meta2.includes(ch)), [], 'no channel may have meta on both shards');
      assert.deepEqual([...meta1, ...meta2].sort(), [...channels].sort(), 'every channel has its meta on one shard');
      for (const ch of channels) {
        assert.equal(meta1.includes(ch) ? 0 : 1, documentedShard(ch, 2), `${ch} lives on the shard docs/redis.md says`);
      }
      const stream1 = await streamOf(r1);
      const stream2 = await streamOf(r2);
      assert.deepEqual(stream1, meta1, 'shard 1: streams and metas are the same channels');
      assert.deepEqual(stream2, meta2, 'shard 2: streams and metas are the same channels');
      for (const [r, list] of [[r1, meta1], [r2, meta2]]) {
        for (const ch of list) {
          assert.equal(await redisCommand(r.port, 'HGET', `c2.stream.meta.${ch}`, 's'), String(ROUNDS), `top offset of ${ch}`);
          assert.equal(await redisCommand(r.port, 'HGET', `c2.stream.meta.${ch}`, 'e'), acks.get(ch)[0].epoch, `epoch of ${ch}`);
          assert.equal(await redisCommand(r.port, 'XLEN', `c2.stream.${ch}`), ROUNDS);
        }
      }

      await c.stopAll();
    });
  });

  it('idempotency key across nodes: node B answers node A\'s result and delivers nothing; the result hash is on the channel\'s shard', { timeout: 30_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const r1 = await c.redis();
      const r2 = await c.redis();
      const A = await c.node('A', [r1.url, r2.url], 'c8');
      const B = await c.node('B', [r1.url, r2.url], 'c8');
      const channel = 'tenant:9:deployments';
      const plain = 'system:idem';
      const { client } = await c.connect(B, { user: 'root', roles: ['admin'] });
      const got = record((await subscribeWith(client, channel)).sub, 'publication');
      const gotPlain = record((await subscribeWith(client, plain)).sub, 'publication');

      const viaA = await cent(A).publish({ channel, data: { via: 'A' }, idempotency_key: 'K' });
      const viaB = await cent(B).publish({ channel, data: { via: 'B' }, idempotency_key: 'K' });
      assert.deepEqual(viaB, viaA, 'B answers the position A published at');
      assert.deepEqual(await cent(A).publish({ channel: plain, data: { via: 'A' }, idempotency_key: 'K' }), {});
      assert.deepEqual(await cent(B).publish({ channel: plain, data: { via: 'B' }, idempotency_key: 'K' }), {});
      // A marker after each: whatever B's publish would have delivered arrives before it.
      const marker = await cent(B).publish({ channel, data: { marker: true } });
      await cent(B).publish({ channel: plain, data: { marker: true } });
      await got.until(2);
      await gotPlain.until(2);
      assert.deepEqual(got.items.map(pubView), [
        { data: { via: 'A' }, offset: viaA.offset },
        { data: { marker: true }, offset: viaA.offset + 1 },
      ]);
      assert.equal(marker.offset, viaA.offset + 1);
      assert.deepEqual(gotPlain.items.map((p) => p.data), [{ via: 'A' }, { marker: true }]);

      // Both nodes at once with one key: one of them publishes, both answer its position.
      const ROUNDS = 10;
      for (let i = 0; i < ROUNDS; i++) {
        const key = `race-${i}`;
        const [a, b] = await Promise.all([A, B].map((n) => cent(n).publish({ channel, data: { race: i }, idempotency_key: key })));
        assert.deepEqual(a, b, key);
      }
      await got.until(2 + ROUNDS);
      const end = await cent(B).publish({ channel, data: { marker: 'end' } });
      await got.until(3 + ROUNDS);
      assert.deepEqual(got.items.slice(2).map((p) => p.data), [...Array.from({ length: ROUNDS }, (_, i) => ({ race: i })), { marker: 'end' }]);
      assert.equal(end.offset, marker.offset + ROUNDS + 1);

      // docs/redis.md: <prefix>.result.<channel>.<key> = {c, e, s}, with the ttl (5 min), on the
      // channel's shard only.
      const [home, away] = documentedShard(channel, 2) === 0 ? [r1, r2] : [r2, r1];
      const resultKey = `c8.result.${channel}.K`;
      assert.deepEqual(await redisCommand(home.port, 'HGETALL', resultKey), [
        'c', `c8.client.${channel}`, 'e', viaA.epoch, 's', String(viaA.offset),
      ]);
      const ttl = await redisCommand(home.port, 'PTTL', resultKey);
      assert.ok(ttl > 290_000 && ttl <= 300_000, `result key ttl ${ttl} ms`);
      assert.equal(await redisCommand(away.port, 'EXISTS', resultKey), 0);

      await c.stopAll();
    });
  });

  it('redis crash (SIGKILL, AOF replayed): nodes survive, report the outage, and the subscriber gets every acknowledged publication once, in order', { timeout: 45_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis({ appendonly: true });
      const A = await c.node('A', [redis.url], 'c3');
      const B = await c.node('B', [redis.url], 'c3');
      const channel = 'tenant:9:deployments';

      const { client } = await c.connect(A, { user: 'sam', tenant: '9', roles: ['tenant_user'] });
      const disconnects = record(client, 'disconnected');
      const { sub } = await subscribeWith(client, channel);
      const got = record(sub, 'publication');
      const unsubs = record(sub, 'unsubscribed');
      const resubscribing = record(sub, 'subscribing');
      const resubs = record(sub, 'subscribed');
      // A second client on A that will try to subscribe while redis is down.
      const { client: late } = await c.connect(A, { user: 'tia', tenant: '9', roles: ['tenant_user'] });

      // Steady publisher through B (~20/s) and a /health poller of both nodes.
      const sent = []; // {i, at, done, code, offset, epoch}
      let stopPublishing = false;
      const publisher = (async () => {
        for (let i = 1; i <= 2000 && !stopPublishing; i++) {
          const entry = { i, at: Date.now() };
          try {
            const res = await apiPost(B, 'publish', { channel, data: { i } });
            entry.status = res.status;
            if (res.json && res.json.result) {
              entry.offset = res.json.result.offset;
              entry.epoch = res.json.result.epoch;
            } else if (res.json && res.json.error) {
              entry.code = res.json.error.code;
            } else {
              entry.other = res.text;
            }
          } catch (e) {
            entry.other = `request failed: ${e.message}`;
          }
          entry.done = Date.now();
          sent.push(entry);
          await sleep(Math.max(0, 50 - (entry.done - entry.at)));
        }
      })();
      const samples = []; // {at, a, b}
      let stopPolling = false;
      t.after(() => {
        stopPublishing = true; // a failed assertion must not leave the loops running
        stopPolling = true;
      });
      const poller = (async () => {
        for (let k = 0; k < 2000 && !stopPolling; k++) {
          const at = Date.now();
          const [a, b] = await Promise.all([health(A), health(B)]);
          samples.push({ at, a, b });
          await sleep(100);
        }
      })();

      await sleep(1000);
      const markA = A.output.length;
      const markB = B.output.length;
      const killedAt = Date.now();
      await redis.kill();
      await sleep(1000);
      // While redis is down: a new connection is still accepted, but a subscribe (it needs
      // history) is refused with the temporary error 100 ...
      const { r: raw } = await c.raw(A, { user: 'uma', tenant: '9', roles: ['tenant_user'] });
      const refused = await raw.request('subscribe', { channel });
      assert.equal(refused.error && refused.error.code, 100, `subscribe during the outage: ${JSON.stringify(refused)}`);
      assert.equal(refused.error.temporary, true, JSON.stringify(refused));
      const presenceDown = await apiPost(B, 'presence', { channel });
      assert.equal(presenceDown.json && presenceDown.json.error && presenceDown.json.error.code, 100, `presence during the outage: ${presenceDown.text}`);
      // ... and centrifuge-js keeps retrying it until redis is back.
      const lateSub = late.newSubscription(channel, { minResubscribeDelay: 100, maxResubscribeDelay: 1000 });
      lateSub.on('error', () => {});
      const lateGot = record(lateSub, 'publication');
      const lateSubscribed = waitFor(lateSub, 'subscribed', 15_000, { failOn: ['unsubscribed'] });
      lateSub.subscribe();
      await sleep(2000);
      const restartedAt = Date.now();
      await redis.start();
      await until(async () => (await health(A)) === 200 && (await health(B)) === 200, 10_000, '/health 200 on both nodes after redis restarted');
      await sleep(1500); // keep publishing after the recovery
      stopPublishing = true;
      stopPolling = true;
      await publisher;
      await poller;

      // A few more after the recovery, through either node.
      const after = [];
      for (let i = 1; i <= 3; i++) {
        const via = i % 2 ? A : B;
        const res = await cent(via).publish({ channel, data: { after: i } });
        after.push({ i: `after${i}`, offset: res.offset, epoch: res.epoch, data: { after: i } });
      }

      // -- nodes alive
      assert.equal(A.exited, null, 'node A must survive the redis crash');
      assert.equal(B.exited, null, 'node B must survive the redis crash');

      // -- /health: 503 during the outage (after a short detection delay), 200 after.
      const during = samples.filter((s) => s.at > killedAt + 500 && s.at + 1000 < restartedAt);
      assert.ok(during.length >= 5, `health samples during the outage: ${during.length}`);
      for (const s of during) {
        assert.equal(s.a, 503, `A /health during the outage: ${JSON.stringify(s)}`);
        assert.equal(s.b, 503, `B /health during the outage: ${JSON.stringify(s)}`);
      }
      assert.equal(await health(A), 200);
      assert.equal(await health(B), 200);

      // -- publishes: every answer is a result with an offset or error 100; during the outage, 100.
      for (const e of sent) {
        assert.ok(e.offset !== undefined || e.code === 100, `publish ${e.i}: neither an offset nor error 100: ${JSON.stringify(e)}`);
        assert.equal(e.status, 200, `publish ${e.i}: HTTP ${e.status}`);
      }
      const inOutage = sent.filter((e) => e.at > killedAt + 500 && e.done < restartedAt);
      assert.ok(inOutage.length >= 20, `publishes during the outage: ${inOutage.length}`);
      for (const e of inOutage) assert.equal(e.code, 100, `publish during the outage: ${JSON.stringify(e)}`);
      const acked = sent.filter((e) => e.offset !== undefined);
      const ackedBefore = acked.filter((e) => e.done < killedAt);
      const ackedAfter = acked.filter((e) => e.at > restartedAt);
      assert.ok(ackedBefore.length >= 10, `acknowledged before the crash: ${ackedBefore.length}`);
      assert.ok(ackedAfter.length >= 10, `acknowledged after the restart: ${ackedAfter.length}`);
      // The AOF kept the stream's meta: same epoch, offsets continue (strictly increasing).
      const epochs = new Set([...acked, ...after].map((e) => e.epoch));
      assert.equal(epochs.size, 1, `one epoch across the redis restart (AOF): ${[...epochs]}`);
      const ackedOffsets = [...acked, ...after].map((e) => e.offset);
      for (let k = 1; k < ackedOffsets.length; k++) {
        assert.ok(ackedOffsets[k] > ackedOffsets[k - 1], `acknowledged offsets increase: ${ackedOffsets.join(',')}`);
      }

      // -- the subscriber: every acknowledged publication, in order, none twice (recovery after
      // a 2500 is allowed).
      const wanted = [
        ...acked.map((e) => ({ data: { i: e.i }, offset: e.offset })),
        ...after.map((e) => ({ data: e.data, offset: e.offset })),
      ];
      const haveAll = () => {
        const offs = new Set(got.items.map((p) => p.offset));
        return wanted.every((w) => offs.has(w.offset));
      };
      try {
        await until(haveAll, 15_000, () => `the subscriber to hold all ${wanted.length} acknowledged publications (has ${got.items.length})`);
      } catch (err) {
        const offs = new Set(got.items.map((p) => p.offset));
        const missing = wanted.filter((w) => !offs.has(w.offset)).map((w) => w.offset);
        throw new Error(
          `${err.message}; missing offsets ${JSON.stringify(missing)}; received ${JSON.stringify(got.items.map((p) => p.offset))}; ` +
            `unsubscribed events ${JSON.stringify(unsubs.items)}; sub errors ${JSON.stringify(sub.errors)}`,
        );
      }
      await sleep(300);
      const offsets = got.items.map((p) => p.offset);
      for (let k = 1; k < offsets.length; k++) {
        assert.ok(offsets[k] > offsets[k - 1], `subscriber offsets strictly increase (no duplicate, in order): ${offsets.join(',')}`);
      }
      const byOffset = new Map(got.items.map((p) => [p.offset, p.data]));
      for (const w of wanted) assert.deepEqual(byOffset.get(w.offset), w.data, `publication at offset ${w.offset}`);

      // -- the subscription attempted during the outage went through once redis was back and
      // receives what follows.
      await lateSubscribed;
      const lateAfter = () => lateGot.items.filter((p) => p.data.after !== undefined);
      await until(() => lateAfter().length >= after.length, 5000, () => `the late subscriber to get the ${after.length} last publications (has ${JSON.stringify(lateGot.items)})`);
      await sleep(200);
      const lateOffsets = lateGot.items.map((p) => p.offset);
      for (let k = 1; k < lateOffsets.length; k++) {
        assert.ok(lateOffsets[k] > lateOffsets[k - 1], `late subscriber offsets strictly increase: ${lateOffsets.join(',')}`);
      }
      assert.deepEqual(
        lateAfter().map(pubView),
        after.map((e) => ({ data: e.data, offset: e.offset })),
        'the late subscriber gets the publications made after recovery',
      );
      assert.equal(raw.isOpen, true, 'the raw connection made during the outage is still open');

      // -- the client connection stayed up the whole time.
      assert.deepEqual(disconnects.items, [], 'the client on A must stay connected through the redis outage');
      t.diagnostic(
        `redis outage: ${inOutage.length} publishes refused with 100, ${acked.length} acknowledged; ` +
          `subscriber resubscribed ${resubs.items.length} time(s) (${resubscribing.items.map((x) => x.code).join(',') || 'no'} resubscribe codes)`,
      );

      // -- logs: one "unreachable" line per node for the outage, one "is back".
      for (const [node, mark] of [[A, markA], [B, markB]]) {
        const out = node.output.slice(mark);
        const down = out.split('\n').filter((l) => /\bredis \S+ unreachable\b/.test(l));
        const back = out.split('\n').filter((l) => /\bredis \S+ is back\b/.test(l));
        assert.equal(down.length, 1, `node ${node.name}: "unreachable" lines for one outage (one shard): ${JSON.stringify(down)}`);
        assert.equal(back.length, 1, `node ${node.name}: "is back" lines: ${JSON.stringify(back)}`);
      }

      await c.stopAll();
    });
  });

  it('node crash (SIGKILL): its client recovers on the other node; its presence entries are bounded and expire', { timeout: 30_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis();
      const A = await c.node('A', [redis.url], 'c4');
      const B = await c.node('B', [redis.url], 'c4');
      const channel = 'tenant:5:deployments';
      const carol = { user: 'carol', tenant: '5', roles: ['tenant_user'] };

      // An observer on B.
      const { client: dave, ctx: daveConn } = await c.connect(B, { user: 'dave', tenant: '5', roles: ['tenant_user'] });
      await subscribeWith(dave, channel);

      // A raw client on A that, when its node dies, reconnects to B and recovers.
      const { r: ra, reply: aConn } = await c.raw(A, carol);
      const carolOnA = aConn.connect.client;
      const subReply = await ra.request('subscribe', { channel });
      assert.ok(subReply.subscribe, JSON.stringify(subReply));
      const epoch = subReply.subscribe.epoch;
      assert.ok(epoch, `positioned subscribe reply has an epoch: ${JSON.stringify(subReply)}`);
      const before = [];
      for (let i = 1; i <= 2; i++) before.push(await cent(B).publish({ channel, data: { phase: 'before', i } }));
      await ra.waitUntil(() => ra.pushes(channel).filter((p) => p.pub).length >= 2, 5000, 'two publications on A');
      const lastOffset = ra.pushes(channel).filter((p) => p.pub).at(-1).pub.offset;
      assert.equal(lastOffset, before[1].offset);

      // Carol's presence entry: an expiry in unix seconds, at most 60 s ahead.
      const expireKey = `c4.presence.expire.${channel}`;
      const dataKey = `c4.presence.data.${channel}`;
      const now0 = unixNow();
      const score0 = Number(await redisCommand(redis.port, 'ZSCORE', expireKey, carolOnA));
      // The ttl (60 s) plus one: scores are whole seconds, an entry lives at least the ttl.
      assert.ok(score0 > now0 && score0 <= now0 + 61, `presence expiry of A's client ${score0} must lie in (now, now+61], now ${now0}`);

      // B's registry lists A (announced every 2 s) before A dies.
      const names = async () => (await cent(B).getInfo()).nodes.map((n) => n.name);
      await until(async () => (await names()).length === 2, 8000, 'B lists A');

      // Node A dies.
      const killedAt = unixNow();
      const killedAtMs = Date.now();
      process.kill(A.pid, 'SIGKILL');
      c.crashed.add(A);
      assert.deepEqual(await names(), ['B', 'A'], 'A still listed right after the crash');
      const closeInfo = await ra.waitClose(5000);
      assert.equal(closeInfo.code, 1006, `abnormal close when the node dies: ${JSON.stringify(closeInfo)}`);
      await until(() => A.exited !== null, 5000, 'node A to exit');
      assert.equal(A.exited.signal, 'SIGKILL');

      const missed = [];
      for (let i = 1; i <= 5; i++) missed.push(await cent(B).publish({ channel, data: { phase: 'missed', i } }));

      // Reconnect to B with recovery from the last offset seen on A.
      const { r: rb, reply: bConn } = await c.raw(B, carol);
      const carolOnB = bConn.connect.client;
      const rec = await rb.request('subscribe', { channel, recover: true, offset: lastOffset, epoch });
      assert.equal(rec.error, undefined, JSON.stringify(rec));
      assert.equal(rec.subscribe.was_recovering, true);
      assert.equal(rec.subscribe.recovered, true, JSON.stringify(rec));
      assert.equal(rec.subscribe.epoch, epoch);
      assert.deepEqual(
        rec.subscribe.publications.map(pubView),
        missed.map((m, k) => ({ data: { phase: 'missed', i: k + 1 }, offset: m.offset })),
      );
      // And it stays live on B.
      const next = await cent(B).publish({ channel, data: { phase: 'live' } });
      const live = await rb.message((m) => m.push && m.push.channel === channel && m.push.pub);
      assert.deepEqual(pubView(live.push.pub), { data: { phase: 'live' }, offset: next.offset });

      // A's client is still listed until its entry expires (nobody refreshes it any more): its
      // expiry stays bounded by the last refresh + 60 s (+1: whole-second scores).
      const p1 = await cent(B).getPresence({ channel });
      assert.deepEqual(Object.keys(p1.presence).sort(), [carolOnA, carolOnB, daveConn.client].sort());
      const score1 = Number(await redisCommand(redis.port, 'ZSCORE', expireKey, carolOnA));
      assert.ok(score1 <= killedAt + 61, `after the crash A's client expires by ${killedAt + 61}, zset says ${score1}`);

      // Waiting the real 60 s does not fit this file's budget, so the passage of time is
      // simulated: only the expiry score of A's client is moved to the past (nothing deleted),
      // exactly what it would be 60 s after A's last refresh. A presence read must then drop it
      // (from the zset and from the data hash) and keep the live clients of node B.
      assert.equal(await redisCommand(redis.port, 'ZADD', expireKey, 'XX', 'CH', unixNow() - 1, carolOnA), 1);
      const p2 = await cent(B).getPresence({ channel });
      assert.deepEqual(Object.keys(p2.presence).sort(), [carolOnB, daveConn.client].sort(), 'expired entry of the crashed node is gone');
      assert.equal(await redisCommand(redis.port, 'ZSCORE', expireKey, carolOnA), null);
      assert.equal(await redisCommand(redis.port, 'HEXISTS', dataKey, carolOnA), 0);
      const stats = await cent(B).getPresenceStats({ channel });
      assert.deepEqual(stats, { num_clients: 2, num_users: 2 });

      // The registry: a node that died without a word drops out of `info` once three
      // announcements (6 s) are missed, and not much before that.
      await until(async () => (await names()).length === 1, 10_000, 'B forgets the crashed A');
      assert.ok(Date.now() - killedAtMs >= 4000, 'not forgotten before its expiry');
      assert.deepEqual(await names(), ['B']);

      const resultA = await A.stop();
      assert.equal(resultA.exitedBeforeStop, true);
      await c.stopAll();
    });
  });
  it('a dropped PUB/SUB connection: the subscriber that missed publications gets 2500 on the next one and recovers them', { timeout: 20_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis();
      const A = await c.node('A', [redis.url], 'c5');
      const B = await c.node('B', [redis.url], 'c5');
      const channel = 'tenant:6:deployments';
      const who = { user: 'gus', tenant: '6', roles: ['tenant_user'] };

      // centrifuge-js end to end, and a raw socket to see the exact unsubscribe push.
      const { client } = await c.connect(A, who);
      const disconnects = record(client, 'disconnected');
      const { sub } = await subscribeWith(client, channel);
      const got = record(sub, 'publication');
      const { r } = await c.raw(A, who);
      const first = await r.request('subscribe', { channel });
      assert.ok(first.subscribe, JSON.stringify(first));
      const epoch = first.subscribe.epoch;

      const acked = [];
      const pub = async (tag) => {
        const res = await cent(B).publish({ channel, data: { tag } });
        acked.push({ data: { tag }, offset: res.offset });
        return res;
      };
      await pub('before');
      await r.waitUntil(() => r.pushes(channel).some((p) => p.pub), 5000, 'the first publication on the raw socket');

      // Redis drops the PUB/SUB connections (only A's is subscribed); B's command connection
      // is untouched, so publications through B keep succeeding while A is not listening.
      const killed = await redisCommand(redis.port, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
      assert.ok(killed >= 1, `CLIENT KILL TYPE pubsub killed ${killed}`);
      await pub('missed-1');
      await pub('missed-2');
      await until(async () => (await health(A)) === 200, 5000, 'A healthy again');
      // The next publication A hears shows the gap. A publication made before A's SUBSCRIBE is
      // active again is missed too, so keep publishing (bounded) until the push arrives.
      const is2500 = (m) => m.push && m.push.channel === channel && m.push.unsubscribe;
      for (let k = 1; k <= 20 && !r.messages.some(is2500); k++) {
        await pub(`after-${k}`);
        await sleep(100);
      }
      const push = await r.message(is2500, 2000, 'unsubscribe push 2500');
      assert.equal(push.push.unsubscribe.code, 2500, JSON.stringify(push));
      const livePubs = r.pushes(channel).filter((p) => p.pub).map((p) => p.pub.offset);
      assert.ok(!livePubs.includes(acked[1].offset), `the missed publication must not arrive live: ${livePubs}`);

      // The raw client resubscribes with recovery and gets exactly what it lacks.
      const have = Math.max(...livePubs.filter((o) => o < acked[1].offset));
      const rec = await r.request('subscribe', { channel, recover: true, offset: have, epoch });
      assert.equal(rec.subscribe && rec.subscribe.recovered, true, JSON.stringify(rec));
      assert.deepEqual(rec.subscribe.publications.map(pubView), acked.filter((a) => a.offset > have));

      // centrifuge-js does the same on its own: every acknowledged publication, in order, once.
      await until(() => got.items.length >= acked.length, 10_000, () => `centrifuge-js to hold ${acked.length} publications (has ${JSON.stringify(got.items.map((p) => p.offset))})`);
      await sleep(200);
      assert.deepEqual(got.items.map(pubView), acked);
      assert.deepEqual(disconnects.items, [], 'the connection itself stays up');

      await c.stopAll();
    });
  });
  it('redis forgets its scripts (SCRIPT FLUSH, as after a restart during AOF loading): publish, history and presence go on', { timeout: 20_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis();
      const A = await c.node('A', [redis.url], 'c6');
      const channel = 'tenant:7:deployments';
      const first = await cent(A).publish({ channel, data: { n: 1 } });
      assert.equal(await redisCommand(redis.port, 'SCRIPT', 'FLUSH'), 'OK');
      // Each script once more: EVALSHA gets NOSCRIPT, the node sends EVAL, which caches it again.
      const second = await cent(A).publish({ channel, data: { n: 2 } });
      assert.equal(second.offset, first.offset + 1);
      const keyed = await apiPost(A, 'publish', { channel: 'system:x', data: { n: 3 }, idempotency_key: 'k1' });
      assert.deepEqual(keyed.json, { result: {} }, keyed.text);
      const history = await apiPost(A, 'history', { channel, limit: -1 });
      assert.deepEqual(history.json.result.publications.map((p) => p.data.n), [1, 2], history.text);
      const presence = await apiPost(A, 'presence', { channel });
      assert.deepEqual(presence.json, { result: { presence: {} } }, presence.text);
      await c.stopAll();
    });
  });

  it('redis down at start and at stop: a node started first becomes healthy once redis is up; a node stopped during an outage exits 0', { timeout: 30_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis();
      await redis.kill();
      // startServer waits (up to 15 s) for /health 200, which needs redis. Redis comes back
      // only once the node has said it is unreachable (a fixed sleep raced a slow start).
      let spawned;
      const spawnedNode = new Promise((resolve) => (spawned = resolve));
      const starting = c.node('A', [redis.url], 'c6', {}, { onSpawn: spawned });
      const early = await spawnedNode;
      await until(async () => /\bredis \S+ unreachable\b/.test(early.output), 10_000, 'the node reports redis unreachable');
      await redis.start();
      const A = await starting;
      const down = A.output.split('\n').filter((l) => /\bredis \S+ unreachable\b/.test(l));
      assert.equal(down.length, 1, `one "unreachable" line while redis was not there yet: ${JSON.stringify(down)}`);
      const res = await cent(A).publish({ channel: 'tenant:1:deployments', data: { ok: true } });
      assert.equal(res.offset, 1);

      // Now an outage that is still going on when the node is told to stop.
      await redis.kill();
      await until(async () => (await health(A)) === 503, 5000, '/health 503 after redis died');
      const refused = await apiPost(A, 'publish', { channel: 'tenant:1:deployments', data: {} });
      assert.equal(refused.json && refused.json.error && refused.json.error.code, 100, refused.text);
      await c.stopAll(); // SIGTERM while redis is down: exit 0 within 10 s, no sanitizer report
    });
  });

  it('redis restarted without persistence: a new epoch; the subscriber gets 2500, resubscribes (recovered: false) and receives what follows', { timeout: 30_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const redis = await c.redis(); // no appendonly: a restart loses every stream
      const A = await c.node('A', [redis.url], 'c7');
      const B = await c.node('B', [redis.url], 'c7');
      const channel = 'tenant:4:deployments';
      const { client } = await c.connect(A, { user: 'ivy', tenant: '4', roles: ['tenant_user'] });
      const { sub } = await subscribeWith(client, channel);
      const got = record(sub, 'publication');
      const resubscribing = record(sub, 'subscribing'); // both record only what follows the first subscribe
      const subscribed = record(sub, 'subscribed');
      const old = [];
      for (let i = 1; i <= 3; i++) old.push(await cent(B).publish({ channel, data: { phase: 'old', i } }));
      await got.until(3);

      await redis.kill();
      await until(async () => (await health(A)) === 503, 5000, 'A /health 503');
      await redis.start();
      await until(async () => (await health(A)) === 200 && (await health(B)) === 200, 10_000, '/health 200 on both nodes');

      // The first publication starts a new stream (offset 1, new epoch): A's subscriber must not
      // take it for a duplicate of its old offset 1, but be told to resubscribe.
      const fresh = [];
      for (let k = 1; k <= 20 && subscribed.items.length < 1; k++) {
        fresh.push(await cent(B).publish({ channel, data: { phase: 'new', i: k } }));
        await sleep(100);
      }
      await subscribed.until(1, 5000).catch((err) => {
        throw new Error(
          `${err.message}; publications received: ${JSON.stringify(got.items.map(pubView))}; ` +
            `subscribing events: ${JSON.stringify(resubscribing.items)}; acks after restart: ${JSON.stringify(fresh)}; sub errors: ${JSON.stringify(sub.errors)}`,
        );
      });
      const resub = subscribed.items[0];
      assert.deepEqual(resubscribing.items.map((x) => x.code), [2500], 'resubscribe was caused by 2500');
      assert.equal(resub.wasRecovering, true);
      assert.equal(resub.recovered, false, 'recovery across epochs must not be claimed');
      const newEpoch = fresh[0].epoch;
      assert.notEqual(newEpoch, old[0].epoch, 'a restart without persistence starts a new epoch');
      assert.equal(fresh[0].offset, 1);
      assert.equal(resub.streamPosition.epoch, newEpoch);

      const tail = [];
      for (let i = 1; i <= 2; i++) tail.push(await cent(B).publish({ channel, data: { phase: 'tail', i } }));
      await until(() => got.items.some((p) => p.data.phase === 'tail' && p.data.i === 2), 5000, 'the last publication');
      await sleep(200);
      const oldPart = got.items.slice(0, 3).map(pubView);
      assert.deepEqual(oldPart, old.map((o, k) => ({ data: { phase: 'old', i: k + 1 }, offset: o.offset })));
      const newPart = got.items.slice(3).map(pubView);
      const allNew = [
        ...fresh.map((f, k) => ({ data: { phase: 'new', i: k + 1 }, offset: f.offset })),
        ...tail.map((f, k) => ({ data: { phase: 'tail', i: k + 1 }, offset: f.offset })),
      ];
      // After the resubscribe: exactly the new-epoch publications above its position, in order.
      assert.deepEqual(newPart, allNew.filter((p) => p.offset > resub.streamPosition.offset));
      await c.stopAll();
    });
  });
});
