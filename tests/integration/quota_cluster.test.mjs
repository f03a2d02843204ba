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
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import { claimsFor, makeToken, startServer } from './harness.mjs';
import { startRedis } from './redis.mjs';
import { attemptConnect, connectOutcome, metric, sleep } from './support/hardening.mjs';

const SECRET = randomBytes(24).toString('hex');
const REFUSED = { close: 3504, reason: 'connection limit', replies: 0 };

// A redis-server and `count` nodes on it (tenants.max_connections: 3), stopped by t.after.
async function quotaCluster(t, count) {
  const redis = await startRedis();
  const prefix = `q${randomBytes(4).toString('hex')}`;
  const nodes = [];
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
  });
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startServer({
        engine: { type: 'redis', redis: { addresses: [redis.url], prefix } },
        client: { token: { hmac_secret: SECRET } },
        node: { name: `n${i}` },
        tenants: { max_connections: 3 },
      }),
    );
  }
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
