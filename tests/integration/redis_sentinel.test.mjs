// The Redis engine behind Redis Sentinel (engine.redis.sentinel, issue 15 items 2 and 4) with
// real processes: a master, one replica (--replicaof), three sentinels (quorum 2,
// down-after-milliseconds 1000, failover-timeout 3000; support/sentinel.mjs) and two neo-events
// nodes that know only the sentinels. centrifuge-js subscribers on both nodes, publishers through
// the server API of both every 20 ms (support/delivery.mjs, as in redis_faults.test.mjs).
//
// 1. The master SIGKILLed: the sentinels promote the replica and both nodes follow. Publishes
//    during the switch answer error 100 (never hang); every acknowledged publication reaches
//    every subscriber once and in order, or the subscriber is told recovered: false - the
//    promoted replica serves the stream under a new epoch, since it may lack what the old master
//    acknowledged last. Afterwards publications flow through both nodes.
// 2. An unknown master_name: the node never reports /health 200, publishes answer 100, and one
//    log line says what each sentinel answered.
// 3. Sentinels with requirepass: the node with engine.redis.sentinel.password serves; one with
//    a wrong password does not, and says that the sentinel refused it.
// 4. A master with requirepass: master_password (and master_db) reach it; a wrong one is
//    refused with a line naming the master and its answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { NAMESPACES, apiPost, assertCleanExit } from './harness.mjs';
import { cluster, health, sleep, startUnserving, until } from './support/cluster.mjs';
import { assertAnswered, assertDelivered, loggedSubscriber, steadyPublisher, stopPublishing } from './support/delivery.mjs';
import { redisCommandAuth } from './support/resp.mjs';
import { startSentinelSet } from './support/sentinel.mjs';

const CONFIG = {
  namespaces: [...NAMESPACES, { name: 'failover', history_size: 5000, history_ttl: '1h', force_recovery: true }],
  roles: { failover_user: { subscribe: ['failover:*'] } },
};
const CHANNEL = 'failover:stream';
const SUBSCRIBERS = { A: 3, B: 2 };

const linesOf = (node, mark, re) => node.output.slice(mark).split('\n').filter((l) => re.test(l));

describe('redis sentinel: a master, a replica, three sentinels, two nodes', () => {
  it('master SIGKILLed and the replica promoted: publishes answer 100 meanwhile, every subscriber ends whole or told recovered false, both nodes publish on the new master', { timeout: 120_000 }, async (t) => {
    const set = await startSentinelSet();
    t.after(() => set.stop());
    const c = cluster(t);
    await c.run(async () => {
      const sentinel = { master_name: set.name, addresses: set.addresses() };
      const extra = { ...CONFIG, engine: { redis: { sentinel } } };
      const A = await c.node('A', [], 's1', extra);
      const B = await c.node('B', [], 's1', extra);
      const subscribers = [];
      for (const node of [A, B]) {
        for (let k = 1; k <= SUBSCRIBERS[node.name]; k++) {
          subscribers.push(await loggedSubscriber(c, node, `${node.name}${k}`, CHANNEL, ['failover_user']));
        }
      }
      const publishers = { A: steadyPublisher(A, CHANNEL), B: steadyPublisher(B, CHANNEL) };
      t.after(() => stopPublishing(publishers)); // a failed assertion must not leave them running
      await sleep(1000);

      const oldPort = set.master.port;
      const [markA, markB] = [A.output.length, B.output.length];
      const killedAt = Date.now();
      await set.master.kill();
      await sleep(500);
      assert.equal(await health(A), 503, 'A /health with the master gone');
      assert.equal(await health(B), 503, 'B /health with the master gone');
      const newPort = await set.failedOver(oldPort);
      const promotedAt = Date.now();
      assert.equal(newPort, set.replicas[0].port, 'the replica is the new master');
      await until(async () => (await health(A)) === 200 && (await health(B)) === 200, 15_000, '/health 200 on both nodes on the new master');
      const ackedAfter = (via) => publishers[via].acked().filter((e) => e.at > promotedAt);
      await until(() => ackedAfter('A').length >= 10 && ackedAfter('B').length >= 10, 15_000, 'publications through A and B on the new master');
      const acked = await stopPublishing(publishers);

      assertAnswered(publishers); // no request hung past apiPost's 5 s bound
      const before = new Set(acked.filter((e) => e.done < killedAt).map((e) => e.epoch));
      const after = new Set([...ackedAfter('A'), ...ackedAfter('B')].map((e) => e.epoch));
      assert.equal(before.size, 1, `one epoch on the old master: ${[...before]}`);
      assert.equal(after.size, 1, `one epoch on the new master: ${[...after]}`);
      assert.notDeepEqual([...after], [...before], 'the promoted replica serves the stream under a new epoch');
      for (const via of ['A', 'B']) {
        // A node may follow the switch a little before the test sees it: those are on the new master.
        const inSwitch = publishers[via].sent.filter((e) => e.at > killedAt + 200 && e.done < promotedAt);
        const refused = inSwitch.filter((e) => e.code === 100);
        assert.ok(refused.length >= 10, `publishes through ${via} refused with 100 during the switch: ${refused.length}`);
        for (const e of inSwitch) assert.ok(e.code === 100 || after.has(e.epoch), `publish through ${via} during the switch: ${JSON.stringify(e)}`);
      }

      const outcomes = await assertDelivered(subscribers, acked);
      for (const s of subscribers) {
        assert.ok(['whole', 'told recovered false'].includes(outcomes[s.name]), `${s.name}: ${outcomes[s.name]}`);
        assert.deepEqual(s.disconnects, [], `${s.name}: the client connection stays up`);
      }
      const SWITCHED = new RegExp(`redis sentinel: master "${set.name}" is redis://127\\.0\\.0\\.1:${newPort} \\(was redis://127\\.0\\.0\\.1:${oldPort}\\)`);
      assert.equal(linesOf(A, markA, SWITCHED).length, 1, `A logs the switch once: ${A.output.slice(markA)}`);
      assert.equal(linesOf(B, markB, SWITCHED).length, 1, 'B logs the switch once');
      t.diagnostic(`failover: ${acked.length} acknowledged; outcomes ${JSON.stringify(outcomes)}; switch took ${promotedAt - killedAt} ms`);
      t.diagnostic(`A logged: ${linesOf(A, markA, /redis|sentinel|quotas/).join(' | ')}`);
      await c.stopAll();
    });
  });

  it('unknown master_name: /health never 200, publishes answer 100, one line says what the sentinel answered', { timeout: 60_000 }, async (t) => {
    const set = await startSentinelSet({ replicas: 0, sentinels: 1 });
    t.after(() => set.stop());
    const line = `redis sentinel: no sentinel names the master of "nosuch": ${set.sentinels[0].url} does not know master "nosuch"; asking again`;
    const server = await startUnserving(t, { addresses: [], sentinel: { master_name: 'nosuch', addresses: set.addresses() } }, line);
    for (let k = 0; k < 5; k++) {
      assert.equal(await health(server), 503, '/health while no master is known');
      const res = await apiPost(server, 'publish', { channel: 'tenant:1:deployments', data: { k } });
      assert.equal(res.json?.error?.code, 100, `publish without a master: ${res.text}`);
      await sleep(300);
    }
    assert.equal(server.output.split(line).length - 1, 1, `logged once for one problem: ${server.output}`);
    assertCleanExit(await server.stop());
    assert.ok((await server.started) instanceof Error, 'the node never reported itself serving');
  });

  it('sentinels with requirepass: the right password serves, a wrong one is refused with a clear line', { timeout: 60_000 }, async (t) => {
    const set = await startSentinelSet({ replicas: 0, sentinels: 1, password: 's3cret' });
    t.after(() => set.stop());
    const c = cluster(t);
    await c.run(async () => {
      const sentinel = { master_name: set.name, addresses: set.addresses(), password: 's3cret' };
      const A = await c.node('A', [], 's3', { engine: { redis: { sentinel } } }); // resolves once /health is 200
      const res = await apiPost(A, 'publish', { channel: 'tenant:1:deployments', data: { ok: true } });
      assert.ok(res.json?.result, `publish through the master the sentinel named: ${res.text}`);
      await c.stopAll();
    });
    const line = `redis sentinel: ${set.sentinels[0].url} refused AUTH: WRONGPASS invalid username-password pair or user is disabled.; asking again`;
    const wrong = await startUnserving(t, { addresses: [], sentinel: { master_name: set.name, addresses: set.addresses(), password: 'wrong' } }, line);
    assert.equal(await health(wrong), 503, '/health with the sentinel refusing the node');
    assertCleanExit(await wrong.stop());
  });

  it('a master with requirepass: master_password and master_db serve, a wrong master_password is refused with a clear line', { timeout: 60_000 }, async (t) => {
    const set = await startSentinelSet({ replicas: 0, sentinels: 1, masterPassword: 'm4ster' });
    t.after(() => set.stop());
    const c = cluster(t);
    await c.run(async () => {
      const sentinel = { master_name: set.name, addresses: set.addresses(), master_password: 'm4ster', master_db: 3 };
      const A = await c.node('A', [], 's4', { engine: { redis: { sentinel } } });
      const res = await apiPost(A, 'publish', { channel: 'tenant:1:deployments', data: { ok: true } });
      assert.ok(res.json?.result, `publish through the password-protected master: ${res.text}`);
      await c.stopAll();
    });
    // The publication's stream lives in database 3, reached with the master's password.
    const keys = await redisCommandAuth(set.master.port, 'm4ster', 'EVAL', "redis.call('SELECT', 3) return redis.call('KEYS', '*')", '0');
    assert.ok(keys.some((k) => k.includes('tenant:1:deployments')), `the stream in db 3: ${JSON.stringify(keys)}`);
    const line = `redis sentinel: redis://127.0.0.1:${set.master.port} (named master) unreachable: AUTH failed: WRONGPASS invalid username-password pair or user is disabled.; asking again`;
    const wrong = await startUnserving(t, { addresses: [], sentinel: { master_name: set.name, addresses: set.addresses(), master_password: 'wrong' } }, line);
    assert.equal(await health(wrong), 503, '/health with the master refusing the node');
    const res = await apiPost(wrong, 'publish', { channel: 'tenant:1:deployments', data: { k: 1 } });
    assert.equal(res.json?.error?.code, 100, `publish without a reachable master: ${res.text}`);
    assertCleanExit(await wrong.stop());
  });
});
