// Bidirectional emulation (issue 13): centrifuge-js's `http_stream` and `sse` transports, the
// fallbacks it takes when a proxy refuses WebSocket. The replies and pushes stream back on one
// long response; later commands go as POST /emulation {session, node, data}. Each client here
// lists a WebSocket endpoint that answers 404 first, as a proxy blocking WebSocket would, and
// falls back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { EventSource } from 'eventsource';

import {
  Centrifuge,
  TEST_TIMEOUT,
  WebSocket,
  cent,
  record,
  startServer,
  track,
  tokenFor,
  useServer,
  waitFor,
} from './harness.mjs';
import { startRedis } from './redis.mjs';
import { openStream } from './support/uni.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

const ADMIN_1 = { user: 'em-admin', tenant: '1', roles: ['tenant_admin'] };

/** A centrifuge-js client that can only get through with `transport` ('http_stream' or 'sse'). */
function emulatedClient(server, transport, identity, opts = {}) {
  const endpoint = `${server.url}/connection/${transport}`;
  const client = new Centrifuge(
    [
      { transport: 'websocket', endpoint: server.wsUrl.replace('/connection/websocket', '/connection/blocked') },
      { transport, endpoint },
    ],
    {
      websocket: WebSocket,
      fetch,
      readableStream: ReadableStream,
      eventsource: EventSource,
      emulationEndpoint: `${server.url}/emulation`,
      token: tokenFor(server, identity),
      minReconnectDelay: 100,
      maxReconnectDelay: 1000,
      timeout: 5000,
      ...opts,
    },
  );
  client.errors = [];
  client.on('error', (e) => client.errors.push(e));
  return track(client);
}

async function connected(client) {
  const done = waitFor(client, 'connected', 8000, { failOn: ['disconnected'] });
  client.connect();
  return done;
}

async function subscribed(client, channel) {
  const sub = client.newSubscription(channel);
  sub.on('error', () => {});
  const done = waitFor(sub, 'subscribed', 8000, { failOn: ['unsubscribed'] });
  sub.subscribe();
  return { sub, ctx: await done };
}

for (const transport of ['http_stream', 'sse']) {
  describe(`centrifuge-js over ${transport}`, () => {
    it('connects after the refused WebSocket; subscribe, publish, presence, history all work', T, async () => {
      const { server } = ctx;
      const channel = `tenant:1:${transport === 'sse' ? 'dashboard' : 'billing'}`;
      const client = emulatedClient(server, transport, ADMIN_1);
      const c = await connected(client);
      assert.equal(c.transport, transport);
      const { sub } = await subscribed(client, channel);
      const pubs = record(sub, 'publication');

      await cent(server).publish({ channel, data: { from: 'api' } });
      await client.publish(channel, { from: 'client' });
      await pubs.until(2);
      assert.deepEqual(
        pubs.items.map((p) => p.data),
        [{ from: 'api' }, { from: 'client' }],
      );
      const presence = await client.presence(channel);
      assert.equal(Object.values(presence.clients)[0].user, ADMIN_1.user);
      const history = await client.history(channel, { limit: 10 });
      assert.deepEqual(
        history.publications.map((p) => p.data),
        [{ from: 'api' }, { from: 'client' }],
      );
    });

    it('recovers what was published while it was away', T, async () => {
      const { server } = ctx;
      const channel = 'tenant:1:deployments';
      const client = emulatedClient(server, transport, ADMIN_1);
      await connected(client);
      const { sub, ctx: first } = await subscribed(client, channel);
      assert.equal(first.recoverable, true);
      const pubs = record(sub, 'publication');

      const gone = waitFor(client, 'disconnected');
      client.disconnect();
      await gone;
      const missed = [];
      for (let i = 1; i <= 3; i++) missed.push(await cent(server).publish({ channel, data: { missed: i } }));
      const again = waitFor(sub, 'subscribed', 8000, { failOn: ['unsubscribed'] });
      client.connect();
      const resubscribed = await again;
      assert.equal(resubscribed.wasRecovering, true);
      assert.equal(resubscribed.recovered, true);
      await pubs.until(3);
      assert.deepEqual(
        pubs.items.map((p) => p.offset),
        missed.map((m) => m.offset),
      );
    });

    it('a server-side disconnect reaches the client as a disconnect push; it reconnects and recovers', T, async () => {
      const { server } = ctx;
      const channel = 'tenant:1:notifications';
      const identity = { ...ADMIN_1, user: `em-drop-${transport}` };
      const client = emulatedClient(server, transport, identity);
      await connected(client);
      const { sub } = await subscribed(client, channel);
      const pubs = record(sub, 'publication');
      const dropped = waitFor(client, 'connecting');
      await cent(server).disconnect({ user: identity.user, disconnect: { code: 3100, reason: 'try again' } });
      const why = await dropped;
      assert.equal(why.code, 3100);
      const published = await cent(server).publish({ channel, data: { during: 'the drop' } });
      await waitFor(client, 'connected', 8000);
      await pubs.until(1);
      assert.equal(pubs.items[0].offset, published.offset);
    });

    it('a bad token ends the stream with a disconnect push; the client does not reconnect', T, async () => {
      const { server } = ctx;
      const client = emulatedClient(server, transport, ADMIN_1, { token: 'not-a-token' });
      const disconnected = waitFor(client, 'disconnected', 8000);
      client.connect();
      const d = await disconnected;
      assert.equal(d.code, 3500);
      assert.equal(client.state, 'disconnected');
    });
  });
}

describe('POST /emulation', () => {
  it('routes to the session; unknown node 404, gone session 204, broken body 400, GET 405', T, async () => {
    const { server } = ctx;
    const s = await openStream(`${server.url}/connection/http_stream`, {
      body: JSON.stringify({ id: 1, connect: { token: tokenFor(server, ADMIN_1) } }),
    });
    const reply = await s.push((m) => m.id === 1);
    const { session, node } = reply.connect;
    assert.match(session, /^[0-9a-f-]{36}$/);
    assert.equal(typeof node, 'string');

    const post = (body) => fetch(`${server.url}/emulation`, { method: 'POST', body: JSON.stringify(body) });
    const data = JSON.stringify({ id: 2, history: { channel: 'tenant:1:deployments', limit: 0 } });
    let r = await post({ session, node, data });
    assert.equal(r.status, 204);
    const history = await s.push((m) => m.id === 2);
    assert.ok(history.history, JSON.stringify(history));

    r = await post({ session, node: 'another-node', data });
    assert.equal(r.status, 404);
    r = await post({ session: '00000000-0000-0000-0000-000000000000', node, data });
    assert.equal(r.status, 204, 'a session that ended is not an error: its stream said so');
    r = await fetch(`${server.url}/emulation`, { method: 'POST', body: '{"session":' });
    assert.equal(r.status, 400);
    r = await fetch(`${server.url}/emulation`);
    assert.equal(r.status, 405);
    s.close();
  });
});

describe('emulation across nodes sharing Redis', () => {
  const nodes = [];
  let redis;
  before(async () => {
    redis = await startRedis();
    const shared = { engine: { type: 'redis', redis: { addresses: [redis.url], prefix: 'em' } } };
    nodes.push(await startServer(shared));
    nodes.push(await startServer({ ...shared, client: { token: { hmac_secret: nodes[0].secret } } }));
  });
  after(async () => {
    for (const n of nodes) await n.stop();
    await redis.stop();
  });

  it('a command sent to a node that does not own the session is 404: sticky sessions are required', T, async () => {
    const [a, b] = nodes;
    const s = await openStream(`${a.url}/connection/http_stream`, {
      body: JSON.stringify({ id: 1, connect: { token: tokenFor(a, ADMIN_1) } }),
    });
    const { session, node } = (await s.push((m) => m.id === 1)).connect;
    const data = JSON.stringify({ id: 2, presence_stats: { channel: 'tenant:1:deployments' } });
    const elsewhere = await fetch(`${b.url}/emulation`, {
      method: 'POST',
      body: JSON.stringify({ session, node, data }),
    });
    assert.equal(elsewhere.status, 404, 'node B does not own the session');
    const home = await fetch(`${a.url}/emulation`, { method: 'POST', body: JSON.stringify({ session, node, data }) });
    assert.equal(home.status, 204);
    await s.push((m) => m.id === 2);
    s.close();
  });
});

describe('limits over the emulation', () => {
  let server;
  before(async () => {
    server = await startServer({ client: { command_rate_per_second: 2, command_burst: 5 } });
  });
  after(async () => server.stop());

  it('the per-connection command rate applies to commands that come through POST /emulation', T, async () => {
    const s = await openStream(`${server.url}/connection/http_stream`, {
      body: JSON.stringify({ id: 1, connect: { token: tokenFor(server, ADMIN_1) } }),
    });
    const { session, node } = (await s.push((m) => m.id === 1)).connect;
    const ids = Array.from({ length: 12 }, (_, i) => i + 2);
    const data = ids
      .map((id) => JSON.stringify({ id, history: { channel: 'tenant:1:deployments', limit: 0 } }))
      .join('\n');
    const r = await fetch(`${server.url}/emulation`, { method: 'POST', body: JSON.stringify({ session, node, data }) });
    assert.equal(r.status, 204);
    await s.push((m) => m.id === ids.at(-1));
    const replies = ids.map((id) => s.pushes.find((m) => m.id === id));
    const limited = replies.filter((m) => m.error?.code === 111);
    assert.equal(replies.filter((m) => m.history).length, 5, 'the burst passes');
    assert.equal(limited.length, 7, JSON.stringify(replies));
    assert.deepEqual(limited[0].error, { code: 111, message: 'too many requests', temporary: true });
    s.close();
  });
});
