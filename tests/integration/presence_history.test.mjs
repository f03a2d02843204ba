// 4. Presence with join/leave; 5. History through centrifuge-js and cent.js.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ADMIN,
  TEST_TIMEOUT,
  assertCleanExit,
  cent,
  connectClient,
  rawConnected,
  subscribe,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

describe('presence and join/leave', () => {
  it('A sees B join and leave; presence lists both; stats are 2/2', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:deployments';
    const { client: a, ctx: aConn } = await connectClient(server, {
      user: 'alice',
      tenant: '1',
      roles: ['tenant_user'],
      info: { name: 'Alice' },
    });
    const { sub: subA } = await subscribe(a, channel, { joinLeave: true });

    const { client: b, ctx: bConn } = await connectClient(server, {
      user: 'bob',
      tenant: '1',
      roles: ['tenant_user'],
      info: { name: 'Bob' },
    });
    const joined = waitFor(subA, 'join', 5000, { predicate: (j) => j.info.user === 'bob' });
    const { sub: subB } = await subscribe(b, channel);
    const j = await joined;
    assert.equal(j.channel, channel);
    assert.equal(j.info.user, 'bob');
    assert.equal(j.info.client, bConn.client);
    assert.deepEqual(j.info.connInfo, { name: 'Bob' });

    const presence = await subA.presence();
    assert.deepEqual(Object.keys(presence.clients).sort(), [aConn.client, bConn.client].sort());
    assert.equal(presence.clients[aConn.client].user, 'alice');
    assert.equal(presence.clients[aConn.client].client, aConn.client);
    assert.equal(presence.clients[bConn.client].user, 'bob');
    assert.equal(presence.clients[bConn.client].client, bConn.client);

    const stats = await subA.presenceStats();
    assert.deepEqual(stats, { numClients: 2, numUsers: 2 });

    // The same through the server API.
    const apiPresence = await cent(server).getPresence({ channel });
    assert.deepEqual(Object.keys(apiPresence.presence).sort(), [aConn.client, bConn.client].sort());
    assert.equal(apiPresence.presence[bConn.client].user, 'bob');
    assert.deepEqual(apiPresence.presence[bConn.client].conn_info, { name: 'Bob' });
    assert.deepEqual(await cent(server).getPresenceStats({ channel }), { num_clients: 2, num_users: 2 });

    const left = waitFor(subA, 'leave', 5000, { predicate: (l) => l.info.user === 'bob' });
    subB.unsubscribe();
    const l = await left;
    assert.equal(l.channel, channel);
    assert.equal(l.info.client, bConn.client);

    assert.deepEqual(await subA.presenceStats(), { numClients: 1, numUsers: 1 });
  });

  it('two connections of one user count as 2 clients, 1 user; a disconnect sends leave', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:7:dashboard';
    const { client: a } = await connectClient(server, { user: 'carol', tenant: '7', roles: ['tenant_user'] });
    const { sub: subA } = await subscribe(a, channel, { joinLeave: true });
    const { client: a2, ctx: a2Conn } = await connectClient(server, { user: 'carol', tenant: '7', roles: ['tenant_user'] });
    const joined = waitFor(subA, 'join', 5000, { predicate: (j) => j.info.client === a2Conn.client });
    await subscribe(a2, channel);
    await joined;
    assert.deepEqual(await subA.presenceStats(), { numClients: 2, numUsers: 1 });

    const left = waitFor(subA, 'leave', 5000, { predicate: (l) => l.info.client === a2Conn.client });
    a2.disconnect();
    const l = await left;
    assert.equal(l.info.user, 'carol');
    assert.deepEqual(await subA.presenceStats(), { numClients: 1, numUsers: 1 });
  });

  it('presence on a namespace without presence is 108', T, async () => {
    const { server } = ctx;
    const r = await rawConnected(server, ADMIN);
    const s = await r.request('subscribe', { channel: 'admin:metrics' });
    assert.equal(s.error, undefined, JSON.stringify(s));
    const p = await r.request('presence', { channel: 'admin:metrics' });
    assert.deepEqual(p.error, { code: 108, message: 'not available' });
    const ps = await r.request('presence_stats', { channel: 'admin:metrics' });
    assert.deepEqual(ps.error, { code: 108, message: 'not available' });
  });
});

describe('history', () => {
  it('sub.history returns the 3 publications in order with offsets; cent.js reverse limit 2 is newest first', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:billing';
    const { client } = await connectClient(server, { user: 'u-hist', tenant: '1', roles: ['tenant_user'] });
    const { sub } = await subscribe(client, channel);

    const datas = [1, 2, 3].map((n) => ({
      type: 'invoice_event',
      timestamp: '2026-01-01T00:00:00Z',
      invoiceId: `inv-${n}`,
      event: 'created',
      amount: n * 100,
    }));
    const results = [];
    for (const data of datas) results.push(await cent(server).publish({ channel, data }));
    const offsets = results.map((r) => r.offset);
    assert.deepEqual(offsets, [offsets[0], offsets[0] + 1, offsets[0] + 2], 'offsets grow by one');
    const epoch = results[0].epoch;

    const h = await sub.history({ limit: 10 });
    assert.deepEqual(
      h.publications.map((p) => p.data),
      datas,
    );
    assert.deepEqual(
      h.publications.map((p) => p.offset),
      offsets,
    );
    assert.equal(h.offset, offsets[2]);
    assert.equal(h.epoch, epoch);

    const rev = await cent(server).getHistory({ channel, limit: 2, reverse: true });
    assert.deepEqual(
      rev.publications.map((p) => p.data),
      [datas[2], datas[1]],
    );
    assert.deepEqual(
      rev.publications.map((p) => p.offset),
      [offsets[2], offsets[1]],
    );
    assert.equal(rev.offset, offsets[2]);
    assert.equal(rev.epoch, epoch);
  });

  it('history limit 0 returns only the position; since returns what follows', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:2:billing';
    const { client } = await connectClient(server, { user: 'u-hist2', tenant: '2', roles: ['tenant_user'] });
    const { sub } = await subscribe(client, channel);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await cent(server).publish({ channel, data: { i } }));
    const top = results[3].offset;
    const epoch = results[3].epoch;

    const pos = await cent(server).getHistory({ channel });
    assert.deepEqual(pos, { publications: [], offset: top, epoch });

    const since = await sub.history({ limit: 10, since: { offset: results[1].offset, epoch } });
    assert.deepEqual(
      since.publications.map((p) => p.data),
      [{ i: 2 }, { i: 3 }],
    );
    const rawSince = await cent(server).getHistory({ channel, limit: 10, since: { offset: top, epoch } });
    assert.deepEqual(rawSince.publications, []);
  });

  it('history keeps only history_size (10) newest publications', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:3:billing';
    let last;
    for (let i = 1; i <= 13; i++) last = await cent(server).publish({ channel, data: { i } });
    const h = await cent(server).getHistory({ channel, limit: 100 });
    assert.deepEqual(
      h.publications.map((p) => p.data.i),
      [4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    );
    assert.equal(h.offset, last.offset);
  });

  it('client history with a wrong epoch is 112; history on a namespace without history is 108', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:4:billing';
    await cent(server).publish({ channel, data: { a: 1 } });
    const r = await rawConnected(server, ADMIN);
    await r.request('subscribe', { channel });
    const bad = await r.request('history', { channel, limit: 10, since: { offset: 1, epoch: 'notTheEpoch' } });
    assert.deepEqual(bad.error, { code: 112, message: 'unrecoverable position' });
    await r.request('subscribe', { channel: 'system:x' });
    const off = await r.request('history', { channel: 'system:x', limit: 10 });
    assert.deepEqual(off.error, { code: 108, message: 'not available' });
  });
});

describe('server process (presence_history.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
