// 6. Recovery after a reconnect: centrifuge-js end to end, and the exact subscribe replies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ADMIN,
  TEST_TIMEOUT,
  assertCleanExit,
  cent,
  connectClient,
  rawConnected,
  record,
  subscribe,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

async function publishN(server, channel, n, tag) {
  const results = [];
  for (let i = 1; i <= n; i++) results.push(await cent(server).publish({ channel, data: { tag, i } }));
  return results;
}

describe('recovery (wire level)', () => {
  it('an epoch the server does not know is not recovered: position is the current top, no publications', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:r1:deployments';
    const published = await publishN(server, channel, 2, 'r1');
    const { epoch, offset: top } = published[1];
    const r = await rawConnected(server, ADMIN);
    const reply = await r.request('subscribe', { channel, recover: true, offset: 1, epoch: 'NotAnEpochX' });
    assert.equal(reply.error, undefined, JSON.stringify(reply));
    const s = reply.subscribe;
    assert.equal(s.was_recovering, true);
    assert.notEqual(s.recovered, true, 'must not claim recovery across epochs');
    assert.ok(s.publications === undefined || s.publications.length === 0, JSON.stringify(s));
    assert.equal(s.recoverable, true);
    assert.equal(s.positioned, true);
    assert.equal(s.epoch, epoch);
    assert.equal(s.offset, top);
  });

  it('a known epoch and offset recover exactly what followed; reply offset is the client offset', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:r2:deployments';
    const published = await publishN(server, channel, 4, 'r2');
    const { epoch } = published[0];
    const from = published[1].offset;
    const r = await rawConnected(server, ADMIN);
    const reply = await r.request('subscribe', { channel, recover: true, offset: from, epoch });
    assert.equal(reply.error, undefined, JSON.stringify(reply));
    const s = reply.subscribe;
    assert.equal(s.was_recovering, true);
    assert.equal(s.recovered, true);
    assert.equal(s.epoch, epoch);
    assert.equal(s.offset, from);
    assert.deepEqual(s.publications, [
      { data: { tag: 'r2', i: 3 }, offset: published[2].offset },
      { data: { tag: 'r2', i: 4 }, offset: published[3].offset },
    ]);
    // Live publications continue after the recovered ones.
    const next = await cent(server).publish({ channel, data: { tag: 'r2', i: 5 } });
    const m = await r.message((x) => x.push && x.push.channel === channel && x.push.pub);
    assert.deepEqual(m.push.pub, { data: { tag: 'r2', i: 5 }, offset: next.offset });
  });

  it('history trimmed past the client offset (history_size 10) is not recovered', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:r3:deployments';
    const published = await publishN(server, channel, 13, 'r3');
    const { epoch } = published[0];
    const r = await rawConnected(server, ADMIN);
    const reply = await r.request('subscribe', { channel, recover: true, offset: published[0].offset, epoch });
    const s = reply.subscribe;
    assert.ok(s, JSON.stringify(reply));
    assert.equal(s.was_recovering, true);
    assert.notEqual(s.recovered, true);
    assert.ok(s.publications === undefined || s.publications.length === 0, JSON.stringify(s));
    assert.equal(s.offset, published[12].offset);
    assert.equal(s.epoch, epoch);
  });

  it('recovering from the top with nothing new is recovered with no publications', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:r4:deployments';
    const published = await publishN(server, channel, 3, 'r4');
    const { epoch, offset: top } = published[2];
    const r = await rawConnected(server, ADMIN);
    const reply = await r.request('subscribe', { channel, recover: true, offset: top, epoch });
    const s = reply.subscribe;
    assert.ok(s, JSON.stringify(reply));
    assert.equal(s.was_recovering, true);
    assert.equal(s.recovered, true);
    assert.ok(s.publications === undefined || s.publications.length === 0, JSON.stringify(s));
    assert.equal(s.offset, top);
    assert.equal(s.epoch, epoch);
  });
});

describe('recovery (centrifuge-js)', () => {
  it('missed publications are recovered after disconnect/connect: exactly the 5, in order, once', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:deployments';
    const { client } = await connectClient(server, { user: 'u-rec', tenant: '1', roles: ['tenant_user'] });
    const { sub, ctx: first } = await subscribe(client, channel);
    assert.equal(first.recoverable, true);
    assert.equal(first.wasRecovering, false);
    const pubs = record(sub, 'publication');

    const [before] = await publishN(server, channel, 1, 'before');
    await pubs.until(1);
    assert.deepEqual(pubs.items[0].data, { tag: 'before', i: 1 });
    assert.equal(pubs.items[0].offset, before.offset);

    const disconnected = waitFor(client, 'disconnected');
    client.disconnect();
    assert.equal((await disconnected).code, 0);

    const missed = await publishN(server, channel, 5, 'missed');
    assert.deepEqual(
      missed.map((m) => m.offset),
      [1, 2, 3, 4, 5].map((k) => before.offset + k),
    );

    const resubscribed = waitFor(sub, 'subscribed', 5000, { failOn: ['unsubscribed'] });
    client.connect();
    const again = await resubscribed;
    assert.equal(again.wasRecovering, true);
    assert.equal(again.recovered, true);
    assert.equal(again.recoverable, true);

    await pubs.until(6);
    // A live sentinel after the recovered ones: nothing else may sit in between.
    const sentinel = await cent(server).publish({ channel, data: { tag: 'sentinel' } });
    await pubs.until(7);
    assert.deepEqual(
      pubs.items.slice(1).map((p) => p.data),
      [1, 2, 3, 4, 5].map((i) => ({ tag: 'missed', i })).concat([{ tag: 'sentinel' }]),
    );
    assert.deepEqual(
      pubs.items.slice(1).map((p) => p.offset),
      missed.map((m) => m.offset).concat([sentinel.offset]),
    );
    assert.equal(pubs.items.length, 7);
  });

  it('nothing missed: recovered with no publications replayed', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:dashboard';
    const { client } = await connectClient(server, { user: 'u-rec2', tenant: '1', roles: ['tenant_user'] });
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    await publishN(server, channel, 2, 'live');
    await pubs.until(2);
    const disconnected = waitFor(client, 'disconnected');
    client.disconnect();
    await disconnected;
    const resubscribed = waitFor(sub, 'subscribed', 5000, { failOn: ['unsubscribed'] });
    client.connect();
    const again = await resubscribed;
    assert.equal(again.wasRecovering, true);
    assert.equal(again.recovered, true);
    assert.equal(again.hasRecoveredPublications, false);
    await cent(server).publish({ channel, data: { tag: 'after' } });
    await pubs.until(3);
    assert.deepEqual(
      pubs.items.map((p) => p.data),
      [
        { tag: 'live', i: 1 },
        { tag: 'live', i: 2 },
        { tag: 'after' },
      ],
    );
  });
});

describe('publishing while a subscriber goes away', () => {
  it('publications racing with a subscriber closing its socket do not wedge the server', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:race:deployments';
    for (let round = 0; round < 3; round++) {
      const r = await rawConnected(server, ADMIN);
      const s = await r.request('subscribe', { channel });
      assert.equal(s.error, undefined, JSON.stringify(s));
      r.ws.close(); // do not wait for the close handshake: publish right away
      await publishN(server, channel, 5, `race-${round}`);
    }
    // The server must still accept and serve a new connection.
    const fresh = await rawConnected(server, ADMIN);
    const reply = await fresh.request('subscribe', { channel, recover: true, offset: 0 });
    assert.equal(reply.error, undefined, JSON.stringify(reply));
    assert.equal(reply.subscribe.was_recovering, true);
  });
});

describe('server process (recovery.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
