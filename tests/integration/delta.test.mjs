// Fossil delta compression (issue 13): namespaces with allowed_delta_types: [fossil]; a
// subscriber asking delta: 'fossil' gets the full data first, then patches against the previous
// publication (data as a JSON string, delta: true), full data whenever a patch would not be
// smaller or has no base. Checked with centrifuge-js's own applyDelta (through its subscription)
// reproducing every publication exactly, and on the wire with a raw WebSocket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  NAMESPACES,
  ROLES,
  TEST_TIMEOUT,
  cent,
  connectClient,
  rawConnected,
  record,
  subscribe,
  useServer,
  waitFor,
} from './harness.mjs';
import { eventually } from './support/uni.mjs';

const T = { timeout: TEST_TIMEOUT * 3 };
const ctx = useServer({
  namespaces: [
    ...NAMESPACES,
    { name: 'live', history_size: 100, history_ttl: '1h', allowed_delta_types: ['fossil'] },
    {
      name: 'board',
      history_size: 100,
      history_ttl: '1h',
      force_recovery: true,
      allowed_delta_types: ['fossil'],
      delta_publish: true,
    },
  ],
  roles: {
    ...ROLES,
    admin: { ...ROLES.admin, subscribe: [...ROLES.admin.subscribe, 'live:*', 'board:*'] },
  },
});
const ADMIN = { user: 'delta-admin', roles: ['admin'] };

/** A dashboard document that changes a little between publications (multi-byte text included). */
function snapshot(i) {
  return {
    deployments: Array.from({ length: 40 }, (_, k) => ({
      id: `dep-${k}`,
      status: k === i % 40 ? 'running' : 'idle',
      progress: k === i % 40 ? i : k,
      owner: k % 3 ? 'équipe-déploiement' : 'ops 🚀',
    })),
    revision: i,
  };
}

/** A raw JSON WebSocket, connected, subscribed with `subscribe`; resolves {r, reply}. */
async function wireSubscribed(server, subscribe) {
  const r = await rawConnected(server, ADMIN);
  return { r, reply: await r.request('subscribe', subscribe) };
}

const pubsOf = (r) =>
  r
    .pushes()
    .filter((p) => p.pub)
    .map((p) => p.pub);

describe('fossil delta', () => {
  it('centrifuge-js applies every patch and reproduces each publication exactly', T, async () => {
    const { server } = ctx;
    const channel = 'live:dashboard';
    const { client } = await connectClient(server, ADMIN);
    const { sub, ctx: subscribed } = await subscribe(client, channel, { delta: 'fossil' });
    assert.equal(subscribed.positioned, true, 'a delta subscription is positioned');
    const plain = (await subscribe((await connectClient(server, ADMIN)).client, channel)).sub;
    const got = record(sub, 'publication').items;
    const gotPlain = record(plain, 'publication').items;
    const sent = [];
    for (let i = 0; i < 30; i++) {
      sent.push(snapshot(i));
      await cent(server).publish({ channel, data: snapshot(i), delta: true });
    }
    await eventually(
      () => got.length === 30 && gotPlain.length === 30,
      () => `${got.length}/${gotPlain.length} of 30`,
    );
    assert.deepEqual(
      got.map((c) => c.data),
      sent,
      'the delta subscriber decodes every publication',
    );
    assert.deepEqual(
      gotPlain.map((c) => c.data),
      sent,
      'a subscriber without delta gets plain data',
    );
    const stats = sub.deltaStats();
    assert.equal(stats.numPublications, 30);
    assert.equal(stats.numFullPayloads + stats.numDeltaPayloads, 30);
    assert.ok(stats.numDeltaPayloads >= 20, `patches used: ${JSON.stringify(stats)}`);
    assert.ok(stats.bytesReceived * 3 < stats.bytesDecoded, `far fewer bytes: ${JSON.stringify(stats)}`);
  });

  it('on the wire: full data as a JSON string first, then patches marked delta: true', T, async () => {
    const { server } = ctx;
    const channel = 'live:wire';
    const { r: s, reply } = await wireSubscribed(server, { channel, delta: 'fossil' });
    assert.equal(reply.subscribe.delta, true, JSON.stringify(reply));
    for (let i = 0; i < 3; i++) await cent(server).publish({ channel, data: snapshot(i), delta: true });
    await eventually(() => pubsOf(s).length === 3, 'three publications');
    const [first, second, third] = pubsOf(s);
    assert.equal(typeof first.data, 'string');
    assert.deepEqual(JSON.parse(first.data), snapshot(0));
    assert.equal(first.delta, undefined, 'the first one is full');
    for (const patch of [second, third]) {
      assert.equal(patch.delta, true);
      assert.equal(typeof patch.data, 'string');
      assert.ok(patch.data.length * 5 < JSON.stringify(snapshot(1)).length, `a patch is small: ${patch.data.length}`);
    }
  });

  it(
    'a patch no smaller than the data is sent in full (delta false); no delta without the publisher asking',
    T,
    async () => {
      const { server } = ctx;
      const channel = 'live:small';
      const { r: s } = await wireSubscribed(server, { channel, delta: 'fossil' });
      await cent(server).publish({ channel, data: { a: 1 }, delta: true });
      await cent(server).publish({ channel, data: { totally: 'different' }, delta: true });
      await cent(server).publish({ channel, data: snapshot(1) });
      await cent(server).publish({ channel, data: snapshot(2) }); // not asked for: full
      await eventually(() => pubsOf(s).length === 4, 'four publications');
      const pubs = pubsOf(s);
      assert.deepEqual(
        pubs.map((p) => p.delta),
        [undefined, undefined, undefined, undefined],
      );
      assert.deepEqual(
        pubs.map((p) => JSON.parse(p.data)),
        [{ a: 1 }, { totally: 'different' }, snapshot(1), snapshot(2)],
      );
    },
  );

  it('delta_publish patches without the publisher asking; recovery sends full data, patches follow', T, async () => {
    const { server } = ctx;
    const channel = 'board:tenant-7';
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, channel, { delta: 'fossil' });
    const got = record(sub, 'publication').items;
    const sent = [];
    const publish = async (i) => {
      sent.push(snapshot(i));
      await cent(server).publish({ channel, data: snapshot(i) });
    };
    for (let i = 0; i < 5; i++) await publish(i);
    await eventually(() => got.length === 5, 'five live publications');
    client.disconnect();
    for (let i = 5; i < 10; i++) await publish(i); // missed: recovered from history
    const resubscribed = waitFor(sub, 'subscribed');
    client.connect();
    const again = await resubscribed;
    assert.equal(again.recovered, true, JSON.stringify(again));
    for (let i = 10; i < 15; i++) await publish(i);
    await eventually(
      () => got.length === 15,
      () => `${got.length} of 15`,
    );
    assert.deepEqual(
      got.map((c) => c.data),
      sent,
    );
    const stats = sub.deltaStats();
    assert.ok(stats.numDeltaPayloads >= 8, `patches before and after recovery: ${JSON.stringify(stats)}`);
  });

  it('a namespace without allowed_delta_types answers full data; an unknown delta type is 107', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, ADMIN);
    const { sub, ctx: subscribed } = await subscribe(client, 'admin:nodelta', { delta: 'fossil' });
    assert.equal(subscribed.positioned, false);
    const got = record(sub, 'publication').items;
    await cent(server).publish({ channel: 'admin:nodelta', data: snapshot(1), delta: true });
    await eventually(() => got.length === 1, 'one publication');
    assert.deepEqual(got[0].data, snapshot(1));
    assert.equal(sub.deltaStats().numPublications, 0, 'not negotiated');

    const { reply } = await wireSubscribed(server, { channel: 'live:x', delta: 'xdelta' });
    assert.deepEqual(reply.error, { code: 107, message: 'bad request' });
  });

  it('a subscriber that joins mid-stream gets full data first: never a patch without its base', T, async () => {
    const { server } = ctx;
    const channel = 'live:late';
    for (let i = 0; i < 3; i++) await cent(server).publish({ channel, data: snapshot(i), delta: true });
    // Subscribed after three publications: the fourth is the first it receives, so it is full.
    const { r: s } = await wireSubscribed(server, { channel, delta: 'fossil' });
    await cent(server).publish({ channel, data: snapshot(3), delta: true });
    await cent(server).publish({ channel, data: snapshot(4), delta: true });
    await eventually(() => pubsOf(s).length === 2, 'two publications');
    const [first, second] = pubsOf(s);
    assert.equal(first.delta, undefined);
    assert.deepEqual(JSON.parse(first.data), snapshot(3));
    assert.equal(second.delta, true);
  });
});
