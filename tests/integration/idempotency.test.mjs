// Idempotent publish: the server API's `idempotency_key` on publish and broadcast (and through
// /api/batch and the legacy /api pipeline). A repeat of a key on a channel within
// api.idempotency_ttl answers the first result and delivers nothing; a subscriber sees each
// publication once. Runs on both engines (NEO_TEST_ENGINE=redis); the two-node case is in
// redis_cluster.test.mjs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ADMIN,
  EVENT_TIMEOUT,
  TEST_TIMEOUT,
  apiPost,
  assertCleanExit,
  cent,
  connectClient,
  record,
  startServer,
  subscribe,
  useServer,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const BAD_REQUEST = { error: { code: 107, message: 'bad request' } };

/** A subscriber (admin) on each of `channels`; resolves one publication recorder per channel. */
async function subscribers(server, ...channels) {
  const { client } = await connectClient(server, ADMIN);
  const recs = [];
  for (const channel of channels) recs.push(record((await subscribe(client, channel)).sub, 'publication'));
  return recs;
}

/**
 * Publishes a marker without a key and waits for it: every publication made before it on the
 * channel has then been delivered, so `rec` holds exactly what was delivered. Returns the data.
 */
async function deliveredUpToMarker(server, channel, rec) {
  const marker = { marker: channel };
  await cent(server).publish({ channel, data: marker });
  const deadline = Date.now() + EVENT_TIMEOUT;
  while (!rec.items.some((p) => p.data.marker === channel) && Date.now() < deadline) await sleep(20);
  const data = rec.items.map((p) => p.data);
  assert.deepEqual(data.at(-1), marker, `marker delivered last: ${JSON.stringify(data)}`);
  return data.slice(0, -1);
}

describe('idempotent publish', () => {
  it('the same key twice: one delivery, the same offset and epoch in both replies', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:idem1:deployments';
    const [rec] = await subscribers(server, channel);
    const first = await cent(server).publish({ channel, data: { n: 1 }, idempotency_key: 'order-1' });
    const again = await cent(server).publish({ channel, data: { n: 2 }, idempotency_key: 'order-1' });
    assert.ok(Number.isInteger(first.offset) && typeof first.epoch === 'string', JSON.stringify(first));
    assert.deepEqual(again, first);
    assert.deepEqual(await deliveredUpToMarker(server, channel, rec), [{ n: 1 }]);
    const history = await cent(server).getHistory({ channel, limit: 10 });
    assert.deepEqual(
      history.publications.map((p) => p.data),
      [{ n: 1 }, { marker: channel }],
    );
  });

  it('concurrent publishes with one key: one publication, every reply the same', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:idem9:deployments';
    const [rec] = await subscribers(server, channel);
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => cent(server).publish({ channel, data: { i }, idempotency_key: 'race' })),
    );
    for (const r of replies) assert.deepEqual(r, replies[0]);
    const delivered = await deliveredUpToMarker(server, channel, rec);
    assert.equal(delivered.length, 1, JSON.stringify(delivered));
  });

  it('a different key, or the same key on another channel, is a new publication', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:idem2:deployments';
    const other = 'tenant:idem2:billing';
    const [rec, otherRec] = await subscribers(server, channel, other);
    const a = await cent(server).publish({ channel, data: { k: 'a' }, idempotency_key: 'a' });
    const b = await cent(server).publish({ channel, data: { k: 'b' }, idempotency_key: 'b' });
    const elsewhere = await cent(server).publish({ channel: other, data: { k: 'a' }, idempotency_key: 'a' });
    assert.equal(b.offset, a.offset + 1);
    assert.equal(elsewhere.offset, 1);
    assert.deepEqual(await deliveredUpToMarker(server, channel, rec), [{ k: 'a' }, { k: 'b' }]);
    assert.deepEqual(await deliveredUpToMarker(server, other, otherRec), [{ k: 'a' }]);
  });

  it('an empty key is no key: both publications are delivered', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:idem3:deployments';
    const [rec] = await subscribers(server, channel);
    const a = await cent(server).publish({ channel, data: { i: 1 }, idempotency_key: '' });
    const b = await cent(server).publish({ channel, data: { i: 2 }, idempotency_key: '' });
    assert.equal(b.offset, a.offset + 1);
    assert.deepEqual(await deliveredUpToMarker(server, channel, rec), [{ i: 1 }, { i: 2 }]);
  });

  it('a namespace without history (system) answers {} and still deduplicates', T, async () => {
    const { server } = ctx;
    const channel = 'system:idem4';
    const [rec] = await subscribers(server, channel);
    for (const n of [1, 2]) {
      assert.deepEqual(await cent(server).publish({ channel, data: { n }, idempotency_key: 'sys' }), {});
    }
    assert.deepEqual(await deliveredUpToMarker(server, channel, rec), [{ n: 1 }]);
  });

  it('broadcast with a key: the second delivers nothing and answers the same positions', T, async () => {
    const { server } = ctx;
    const channels = ['tenant:idem5:deployments', 'tenant:idem5:billing', 'system:idem5'];
    const recs = await subscribers(server, ...channels);
    const first = await cent(server).broadcast({ channels, data: { b: 1 }, idempotency_key: 'bc' });
    const again = await cent(server).broadcast({ channels, data: { b: 2 }, idempotency_key: 'bc' });
    assert.equal(first.responses.length, 3, JSON.stringify(first));
    assert.ok(Number.isInteger(first.responses[0].result.offset), JSON.stringify(first));
    assert.deepEqual(first.responses[2], { result: {} });
    assert.deepEqual(again, first);
    for (const [i, channel] of channels.entries()) {
      assert.deepEqual(await deliveredUpToMarker(server, channel, recs[i]), [{ b: 1 }], channel);
    }
  });

  it('through /api/batch and the legacy /api pipeline', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:idem6:deployments';
    const [rec] = await subscribers(server, channel);
    const publish = (n) => ({ publish: { channel, data: { n }, idempotency_key: 'batched' } });
    const res = await apiPost(server, 'batch', { commands: [publish(1), publish(2)] });
    assert.equal(res.status, 200);
    const [a, b] = res.json.replies;
    assert.ok(Number.isInteger(a.publish.offset), res.text);
    assert.deepEqual(b, a);
    const piped = await cent(server).pipeline([
      { method: 'publish', params: { channel, data: { n: 3 }, idempotency_key: 'piped' } },
      { method: 'publish', params: { channel, data: { n: 4 }, idempotency_key: 'piped' } },
      { method: 'publish', params: { channel, data: { n: 5 }, idempotency_key: 'batched' } },
    ]);
    assert.equal(piped[0].offset, a.publish.offset + 1);
    assert.deepEqual(piped[1], piped[0]);
    assert.deepEqual(piped[2], a.publish);
    assert.deepEqual(await deliveredUpToMarker(server, channel, rec), [{ n: 1 }, { n: 3 }]);
  });

  it('a key over 256 bytes or not a string is 107, on publish and broadcast alike', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:idem7:deployments';
    const [rec] = await subscribers(server, channel);
    for (const key of ['k'.repeat(257), 42, { k: 1 }, ['k'], true]) {
      const what = typeof key === 'string' ? `${key.length} bytes` : JSON.stringify(key);
      const pub = await apiPost(server, 'publish', { channel, data: { bad: what }, idempotency_key: key });
      assert.equal(pub.status, 200);
      assert.deepEqual(pub.json, BAD_REQUEST, `publish, key ${what}`);
      const bc = await apiPost(server, 'broadcast', { channels: [channel], data: { bad: what }, idempotency_key: key });
      assert.deepEqual(bc.json, BAD_REQUEST, `broadcast, key ${what}`);
    }
    // 256 bytes is the longest key; multi-byte UTF-8 counts in bytes (86 × 3 = 258).
    const longest = await apiPost(server, 'publish', { channel, data: { ok: 256 }, idempotency_key: 'k'.repeat(256) });
    assert.ok(Number.isInteger(longest.json.result.offset), longest.text);
    const wide = await apiPost(server, 'publish', { channel, data: { bad: 'utf8' }, idempotency_key: '€'.repeat(86) });
    assert.deepEqual(wide.json, BAD_REQUEST);
    assert.deepEqual(await deliveredUpToMarker(server, channel, rec), [{ ok: 256 }]);
  });
});

describe('idempotent publish: expiry', () => {
  it('after api.idempotency_ttl the key is forgotten and a publish is delivered again', { timeout: 30_000 }, async () => {
    const server = await startServer({ api: { idempotency_ttl: '1s' } });
    try {
      const channel = 'tenant:idem8:deployments';
      const [rec] = await subscribers(server, channel);
      const first = await cent(server).publish({ channel, data: { n: 1 }, idempotency_key: 'k' });
      assert.deepEqual(await cent(server).publish({ channel, data: { n: 2 }, idempotency_key: 'k' }), first);
      await sleep(1300);
      const later = await cent(server).publish({ channel, data: { n: 3 }, idempotency_key: 'k' });
      assert.equal(later.offset, first.offset + 1);
      assert.equal(later.epoch, first.epoch);
      assert.deepEqual(await deliveredUpToMarker(server, channel, rec), [{ n: 1 }, { n: 3 }]);
    } finally {
      assertCleanExit(await server.stop());
    }
  });
});

describe('server process (idempotency.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
