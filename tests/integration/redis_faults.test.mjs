// Redis faults with real processes (issue 15 item 4): two neo-events nodes on the Redis engine,
// node A reaching redis-server through a TCP proxy the test controls (support/tcp_proxy.mjs),
// node B directly. centrifuge-js subscribers on both nodes, publishers through the server API of
// both nodes every 20 ms. Each scenario ends with every subscriber holding every acknowledged
// publication once and in order, or having been told `recovered: false` - never a silent gap
// (support/delivery.mjs).
//
// 1. The link A <-> Redis cut for 3 s and restored: publishes through A fail at once with error 100,
//    B goes on; Redis kept the history, so every subscriber recovers everything (recovered true).
// 2. The link made slow (500 ms each way) for 4 s, with engine.redis.command_timeout 3 s above
//    that round trip: publishes through A are slow but succeed, nobody is disconnected or made
//    to resubscribe.
// 3. The link stalled (blackhole, not closed) for 6 s: publishes through A fail with 100 within
//    engine.redis.command_timeout (1 s), A's /health turns 503, everyone ends whole or told.
// 4. Redis restarted empty: every subscriber on both nodes is told recovered false; new
//    publications flow through both nodes afterwards.
// 5. Redis down behind a proxy that accepts: not "back" before Redis answers PING.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { NAMESPACES } from './harness.mjs';
import { cluster, health, sleep, until } from './support/cluster.mjs';
import { assertAnswered, assertDelivered, loggedSubscriber, steadyPublisher, stopPublishing } from './support/delivery.mjs';

// History long enough for every outage here (50 publications/s through each node): a
// subscriber that missed publications while Redis kept them must recover them all.
const CONFIG = {
  namespaces: [...NAMESPACES, { name: 'faults', history_size: 5000, history_ttl: '1h', force_recovery: true }],
  roles: { faults_user: { subscribe: ['faults:*'] } },
};
const CHANNEL = 'faults:stream';
const SUBSCRIBERS = { A: 3, B: 2 };
const subscriber = (c, node, name) => loggedSubscriber(c, node, name, CHANNEL, ['faults_user']);

/** Redis, a proxy in front of it, node A through the proxy, B direct, subscribers, publishers. */
async function setup(t, c, prefix, config = CONFIG) {
  const redis = await c.redis();
  const proxy = await c.proxy(redis);
  const A = await c.node('A', [proxy.url], prefix, config);
  const B = await c.node('B', [redis.url], prefix, config);
  const subscribers = [];
  for (const node of [A, B]) {
    for (let k = 1; k <= SUBSCRIBERS[node.name]; k++) subscribers.push(await subscriber(c, node, `${node.name}${k}`));
  }
  const publishers = { A: steadyPublisher(A, CHANNEL), B: steadyPublisher(B, CHANNEL) };
  t.after(() => stopPublishing(publishers)); // a failed assertion must not leave them running
  return { redis, proxy, A, B, subscribers, publishers };
}

const linesOf = (node, mark, re) => node.output.slice(mark).split('\n').filter((l) => re.test(l));
const UNREACHABLE = /\bredis \S+ unreachable\b/;
const BACK = /\bredis \S+ is back\b/;

// ---------------------------------------------------------------------------------------------

describe('redis faults: two nodes, node A behind a proxy the test controls', () => {
  it('link A <-> redis cut for 3 s: publishes through A fail at once with 100, B goes on, every subscriber recovers every acknowledged publication', { timeout: 60_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const { proxy, A, B, subscribers, publishers } = await setup(t, c, 'f1');
      await sleep(1000);
      const [markA, markB] = [A.output.length, B.output.length];
      const cutAt = Date.now();
      await proxy.cut();
      await sleep(1500);
      assert.equal(await health(A), 503, 'A /health during the cut');
      assert.equal(await health(B), 200, 'B /health during the cut');
      await sleep(1500);
      const restoredAt = Date.now();
      await proxy.restore();
      await until(async () => (await health(A)) === 200, 10_000, 'A /health 200 after the link is back');
      await sleep(1500);
      const acked = await stopPublishing(publishers);

      assertAnswered(publishers);
      const inCut = (p) => p.sent.filter((e) => e.at > cutAt + 500 && e.done < restoredAt);
      assert.ok(inCut(publishers.A).length >= 10, `publishes through A during the cut: ${inCut(publishers.A).length}`);
      for (const e of inCut(publishers.A)) assert.equal(e.code, 100, `publish through A during the cut: ${JSON.stringify(e)}`);
      const bDuringCut = inCut(publishers.B).filter((e) => e.offset !== undefined);
      assert.ok(bDuringCut.length >= 10, `B acknowledged during the cut: ${bDuringCut.length}`);
      assert.ok(publishers.A.acked().some((e) => e.at > restoredAt), 'A publishes again after the restore');

      const outcomes = await assertDelivered(subscribers, acked);
      for (const s of subscribers) {
        assert.equal(outcomes[s.name], 'whole', `${s.name}: redis kept the history, so nothing may be lost`);
        assert.deepEqual(s.disconnects, [], `${s.name}: the client connection stays up`);
      }
      assert.equal(linesOf(A, markA, UNREACHABLE).length, 1, `A: one "unreachable" line for the cut`);
      assert.equal(linesOf(A, markA, BACK).length, 1, `A: one "is back" line`);
      assert.deepEqual(linesOf(B, markB, UNREACHABLE), [], 'B never lost redis');
      t.diagnostic(`cut: ${acked.length} acknowledged, ${inCut(publishers.A).length} refused on A; outcomes ${JSON.stringify(outcomes)}`);
      await c.stopAll();
    });
  });

  it('link A <-> redis slow (500 ms each way) for 4 s: publishes through A slow but acknowledged, nobody disconnected or resubscribed', { timeout: 60_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      // A round trip of 1 s on the link is the default command_timeout: give it room (the
      // operator's choice: command_timeout above the slowest round trip the link may take).
      const slowLink = { ...CONFIG, engine: { redis: { command_timeout: '3s' } } };
      const { proxy, A, subscribers, publishers } = await setup(t, c, 'f2', slowLink);
      await sleep(1000);
      const markA = A.output.length;
      const slowAt = Date.now();
      await proxy.delay(500);
      await sleep(4000);
      const restoredAt = Date.now();
      await proxy.restore();
      await sleep(1500);
      const acked = await stopPublishing(publishers);

      assertAnswered(publishers);
      const slowOnA = publishers.A.sent.filter((e) => e.at > slowAt && e.done < restoredAt);
      assert.ok(slowOnA.length >= 1, 'publishes through A while the link was slow');
      for (const e of slowOnA) {
        assert.ok(e.offset !== undefined, `a slow link is no outage: ${JSON.stringify(e)}`);
        assert.ok(e.done - e.at >= 1000, `through a 2 x 500 ms link: ${e.done - e.at} ms`);
      }
      const outcomes = await assertDelivered(subscribers, acked);
      for (const s of subscribers) {
        assert.equal(outcomes[s.name], 'whole', `${s.name}: nothing was lost`);
        assert.deepEqual(s.disconnects, [], `${s.name}: not disconnected`);
        const resubscribes = s.log.slice(s.log.findIndex((e) => e.kind === 'subscribed')).filter((e) => e.kind === 'subscribing');
        assert.deepEqual(resubscribes, [], `${s.name}: not made to resubscribe`);
      }
      assert.deepEqual(linesOf(A, markA, UNREACHABLE), [], 'a slow link is not reported as unreachable');
      await c.stopAll();
    });
  });

  it(
    'link A <-> redis stalled (blackhole) for 6 s: publishes through A fail with 100 within the request bound, every subscriber ends whole or told',
    { timeout: 60_000 },
    async (t) => {
      const c = cluster(t);
      await c.run(async () => {
        const { proxy, A, subscribers, publishers } = await setup(t, c, 'f3');
        await sleep(1000);
        const stallAt = Date.now();
        await proxy.blackhole();
        await sleep(3000);
        assert.equal(await health(A), 503, 'A /health while its link is stalled');
        await sleep(3000);
        const restoredAt = Date.now();
        await proxy.restore();
        await until(async () => (await health(A)) === 200, 10_000, 'A /health 200 after the link is back');
        await sleep(1500);
        const acked = await stopPublishing(publishers);

        assertAnswered(publishers); // no request may hang past apiPost's 5 s bound
        const stalled = publishers.A.sent.filter((e) => e.at > stallAt + 1000 && e.done < restoredAt);
        assert.ok(stalled.length >= 5, `publishes through A during the stall: ${stalled.length}`);
        for (const e of stalled) assert.equal(e.code, 100, `publish through A during the stall: ${JSON.stringify(e)}`);
        await assertDelivered(subscribers, acked);
        await c.stopAll();
      });
    },
  );

  it('redis restarted empty: every subscriber on both nodes is told recovered false; publications flow through both nodes afterwards', { timeout: 60_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const { redis, A, B, subscribers, publishers } = await setup(t, c, 'f4');
      await sleep(1000);
      const [markA, markB] = [A.output.length, B.output.length];
      await redis.kill();
      await sleep(1000);
      const restartedAt = Date.now();
      await redis.start(); // same port, no AOF: every stream is gone
      await until(async () => (await health(A)) === 200 && (await health(B)) === 200, 10_000, '/health 200 on both nodes');
      // Until each subscriber has been told and holds publications of the new epoch from both.
      const newEpoch = () => publishers.B.acked().find((e) => e.at > restartedAt)?.epoch;
      const caughtUp = (s) => {
        const last = s.log.filter((e) => e.kind === 'subscribed').at(-1);
        const viaAfter = new Set(s.log.slice(s.log.indexOf(last)).filter((e) => e.kind === 'pub').map((e) => e.data.via));
        return last.epoch === newEpoch() && viaAfter.has('A') && viaAfter.has('B');
      };
      await until(() => subscribers.every(caughtUp), 20_000, () => `every subscriber on the new epoch ${newEpoch()} with publications through A and B: ${JSON.stringify(subscribers.map((s) => [s.name, s.log.filter((e) => e.kind !== 'pub')]))}`);
      await sleep(1000); // and a steady flow after that
      const acked = await stopPublishing(publishers);

      assertAnswered(publishers);
      const epochs = new Set(acked.map((e) => e.epoch));
      assert.equal(epochs.size, 2, `one epoch before the restart, a new one after: ${[...epochs]}`);
      for (const via of ['A', 'B']) {
        assert.ok(publishers[via].acked().filter((e) => e.epoch === newEpoch()).length >= 3, `publishes through ${via} after the restart`);
      }
      const outcomes = await assertDelivered(subscribers, acked);
      for (const s of subscribers) {
        assert.equal(outcomes[s.name], 'told recovered false', `${s.name} on ${s.node.name} must not believe it is whole`);
      }
      // B reaches Redis directly: one outage, one line each (A behind the proxy: see test 5).
      assert.equal(linesOf(B, markB, UNREACHABLE).length, 1, `B: one "unreachable" line for the restart: ${B.output.slice(markB)}`);
      assert.equal(linesOf(B, markB, BACK).length, 1, 'B: one "is back" line');
      t.diagnostic(`A behind the proxy logged ${linesOf(A, markA, BACK).length} "is back" lines for one restart`);
      await c.stopAll();
    });
  });

  it(
    'redis down behind a proxy that accepts: one outage is one "unreachable" line, and /health stays 503 until redis answers',
    { timeout: 30_000 },
    async (t) => {
      const c = cluster(t);
      await c.run(async () => {
        const redis = await c.redis();
        const proxy = await c.proxy(redis);
        const A = await c.node('A', [proxy.url], 'f5', CONFIG);
        const mark = A.output.length;
        await redis.kill();
        const samples = [];
        for (let k = 0; k < 20; k++) {
          samples.push(await health(A));
          await sleep(100);
        }
        await redis.start();
        await until(async () => (await health(A)) === 200, 10_000, 'A /health 200 once redis is back');
        assert.deepEqual(samples.slice(5).filter((s) => s !== 503), [], 'A /health while redis is down');
        assert.equal(linesOf(A, mark, UNREACHABLE).length, 1, `one "unreachable" line: ${A.output.slice(mark)}`);
        assert.equal(linesOf(A, mark, BACK).length, 1, 'one "is back" line');
        await c.stopAll();
      });
    },
  );
});
