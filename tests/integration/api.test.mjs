// 10. The server HTTP API through cent.js 6.1.0, plus raw HTTP where status codes and bodies matter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ADMIN,
  TEST_TIMEOUT,
  apiPost,
  assertCleanExit,
  cent,
  connectClient,
  rawConnected,
  record,
  subscribe,
  useServer,
  waitFor,
} from './harness.mjs';
import { CentException } from 'cent.js';

const T = { timeout: TEST_TIMEOUT };
const TENANT_KEY = 'tenant-123-key-0123456789abcdef';
const ctx = useServer({ api: { tenant_keys: [{ tenant: '123', key: TENANT_KEY }] } });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('server API via cent.js', () => {
  it('publish returns offset and epoch and reaches the subscriber', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:api1:deployments';
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    const res = await cent(server).publish({ channel, data: { n: 1 } });
    assert.deepEqual(Object.keys(res).sort(), ['epoch', 'offset']);
    assert.ok(Number.isInteger(res.offset) && res.offset >= 1);
    await pubs.until(1);
    assert.deepEqual(pubs.items[0].data, { n: 1 });
  });

  it('publish with tags delivers them; skip_history keeps it out of history', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:api2:deployments';
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    await cent(server).publish({ channel, data: { kept: true }, tags: { env: 'prod' } });
    await cent(server).publish({ channel, data: { kept: false }, skip_history: true });
    await pubs.until(2);
    assert.deepEqual(pubs.items[0].tags, { env: 'prod' });
    assert.deepEqual(pubs.items[1].data, { kept: false });
    const h = await cent(server).getHistory({ channel, limit: 10 });
    assert.deepEqual(
      h.publications.map((p) => p.data),
      [{ kept: true }],
    );
  });

  it('broadcast answers {responses: [...]} in channel order and reaches every channel', T, async () => {
    const { server } = ctx;
    const channels = ['tenant:b1:deployments', 'tenant:b2:deployments', 'system:broadcast'];
    const { client } = await connectClient(server, ADMIN);
    const recs = [];
    for (const ch of channels) recs.push(record((await subscribe(client, ch)).sub, 'publication'));
    const res = await cent(server).broadcast({ channels, data: { all: true } });
    assert.ok(Array.isArray(res.responses), JSON.stringify(res));
    assert.equal(res.responses.length, 3);
    for (const r of res.responses.slice(0, 2)) {
      assert.ok(r.result && Number.isInteger(r.result.offset) && typeof r.result.epoch === 'string', JSON.stringify(r));
    }
    assert.deepEqual(res.responses[2], { result: {} }, 'system keeps no history');
    for (const rec of recs) {
      await rec.until(1);
      assert.deepEqual(rec.items[0].data, { all: true });
    }
  });

  it('broadcast reports a per-channel error for an unknown namespace', T, async () => {
    const { server } = ctx;
    const res = await apiPost(server, 'broadcast', { channels: ['nope:x', 'tenant:b3:deployments'], data: { a: 1 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.result.responses[0], { error: { code: 102, message: 'unknown channel' } });
    assert.ok(res.json.result.responses[1].result, res.text);
  });

  it('presence and presence_stats', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:p1:deployments';
    const { client: a, ctx: ca } = await connectClient(server, { user: 'pa', tenant: 'p1', roles: ['tenant_user'] });
    const { client: b, ctx: cb } = await connectClient(server, { user: 'pb', tenant: 'p1', roles: ['tenant_user'] });
    await subscribe(a, channel);
    await subscribe(b, channel);
    const p = await cent(server).getPresence({ channel });
    assert.deepEqual(p, {
      presence: {
        [ca.client]: { user: 'pa', client: ca.client },
        [cb.client]: { user: 'pb', client: cb.client },
      },
    });
    assert.deepEqual(await cent(server).getPresenceStats({ channel }), { num_clients: 2, num_users: 2 });
    // A channel nobody is in: presence is {} and stats are written as zeros.
    assert.deepEqual(await cent(server).getPresence({ channel: 'tenant:p1:empty' }), { presence: {} });
    assert.deepEqual(await cent(server).getPresenceStats({ channel: 'tenant:p1:empty' }), {
      num_clients: 0,
      num_users: 0,
    });
  });

  it('history and history_remove: history is then empty and the offset is kept', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:h1:deployments';
    await cent(server).publish({ channel, data: { i: 1 } });
    const second = await cent(server).publish({ channel, data: { i: 2 } });
    const h = await cent(server).getHistory({ channel, limit: 10 });
    assert.deepEqual(h, {
      publications: [
        { data: { i: 1 }, offset: second.offset - 1 },
        { data: { i: 2 }, offset: second.offset },
      ],
      offset: second.offset,
      epoch: second.epoch,
    });
    assert.deepEqual(await cent(server).removeHistory({ channel }), {});
    const after = await cent(server).getHistory({ channel, limit: 10 });
    assert.deepEqual(after, { publications: [], offset: second.offset, epoch: second.epoch });
    const third = await cent(server).publish({ channel, data: { i: 3 } });
    assert.equal(third.offset, second.offset + 1);
    assert.equal(third.epoch, second.epoch);
  });

  it('channels lists the active channel with num_clients, and filters by pattern', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:ch1:deployments';
    const { client } = await connectClient(server, ADMIN);
    await subscribe(client, channel);
    const { client: c2 } = await connectClient(server, ADMIN);
    await subscribe(c2, channel);
    const all = await cent(server).getChannels({});
    assert.deepEqual(all.channels[channel], { num_clients: 2 });
    const filtered = await cent(server).getChannels({ pattern: 'tenant:ch1:*' });
    assert.deepEqual(filtered, { channels: { [channel]: { num_clients: 2 } } });
    const none = await cent(server).getChannels({ pattern: 'nothing:matches:*' });
    assert.deepEqual(none, { channels: {} });
  });

  it('info returns nodes[0] with num_clients >= 1', T, async () => {
    const { server } = ctx;
    await connectClient(server, ADMIN);
    // Node info may be refreshed periodically (Centrifugo: every 3 s): poll, bounded.
    let info;
    const deadline = Date.now() + 6000;
    for (;;) {
      info = await cent(server).getInfo({});
      if (info.nodes?.[0]?.num_clients >= 1 || Date.now() > deadline) break;
      await sleep(200);
    }
    assert.ok(Array.isArray(info.nodes) && info.nodes.length === 1, JSON.stringify(info));
    const node = info.nodes[0];
    assert.ok(node.num_clients >= 1, JSON.stringify(node));
    for (const k of ['uid', 'name', 'version']) assert.equal(typeof node[k], 'string', `${k}: ${JSON.stringify(node)}`);
    assert.ok(node.uid.length > 0);
    for (const k of ['num_users', 'num_channels', 'uptime']) assert.ok(Number.isInteger(node[k]), `${k}: ${JSON.stringify(node)}`);
  });

  it('server-side subscribe: the client gets client-level subscribed and publication events', T, async () => {
    const { server } = ctx;
    const user = 'u-ss';
    const channel = 'tenant:ss:dashboard';
    const { client } = await connectClient(server, { user, tenant: 'ss', roles: ['tenant_user'] });
    const subscribed = waitFor(client, 'subscribed', 5000, { predicate: (c) => c.channel === channel });
    assert.deepEqual(await cent(server).subscribe({ user, channel }), {});
    const s = await subscribed;
    assert.equal(s.channel, channel);
    assert.equal(s.recoverable, true, 'tenant namespace: force_recovery applies to server-side subs too');

    const pub = waitFor(client, 'publication', 5000, { predicate: (p) => p.channel === channel });
    await cent(server).publish({ channel, data: { server: 'side' } });
    assert.deepEqual((await pub).data, { server: 'side' });

    const unsubscribed = waitFor(client, 'unsubscribed', 5000, { predicate: (u) => u.channel === channel });
    assert.deepEqual(await cent(server).unsubscribe({ user, channel }), {});
    assert.equal((await unsubscribed).channel, channel);
  });

  it('server-side subscribe/unsubscribe on the wire: subscribe push, then unsubscribe push 2000', T, async () => {
    const { server } = ctx;
    const user = 'u-ss-raw';
    const channel = 'tenant:ssraw:dashboard';
    const r = await rawConnected(server, { user, tenant: 'ssraw', roles: ['tenant_user'] });
    await cent(server).subscribe({ user, channel });
    const sp = await r.message((m) => m.push && m.push.channel === channel && m.push.subscribe);
    assert.equal(sp.push.subscribe.recoverable, true);
    assert.equal(sp.push.subscribe.positioned, true);
    assert.equal(typeof sp.push.subscribe.epoch, 'string');
    await cent(server).unsubscribe({ user, channel });
    const up = await r.message((m) => m.push && m.push.channel === channel && m.push.unsubscribe);
    assert.deepEqual(up, { push: { channel, unsubscribe: { code: 2000, reason: 'server unsubscribe' } } });
  });

  it('server unsubscribe ends a client-side subscription with code 2000', T, async () => {
    const { server } = ctx;
    const user = 'u-unsub';
    const channel = 'tenant:un:deployments';
    const { client } = await connectClient(server, { user, tenant: 'un', roles: ['tenant_user'] });
    const { sub } = await subscribe(client, channel);
    const unsubscribed = waitFor(sub, 'unsubscribed');
    await cent(server).unsubscribe({ user, channel });
    const u = await unsubscribed;
    assert.equal(u.code, 2000);
    assert.equal(u.reason, 'server unsubscribe');
    assert.equal(sub.state, 'unsubscribed');
    assert.equal(client.state, 'connected');
  });

  it('disconnect: the client ends disconnected with 3503 and does not reconnect', T, async () => {
    const { server } = ctx;
    const user = 'u-kick';
    const { client } = await connectClient(server, { user, tenant: '1', roles: ['tenant_user'] });
    const { client: other } = await connectClient(server, { user: 'u-stay', tenant: '1', roles: ['tenant_user'] });
    const disconnected = waitFor(client, 'disconnected', 5000, { failOn: ['connecting'] });
    assert.deepEqual(await cent(server).disconnect({ user }), {});
    const d = await disconnected;
    assert.equal(d.code, 3503);
    assert.equal(d.reason, 'force disconnect');
    assert.equal(client.state, 'disconnected');
    assert.equal(other.state, 'connected', 'only that user is disconnected');
  });

  it('disconnect with a custom reconnect code 4000: the client reconnects', T, async () => {
    const { server } = ctx;
    const user = 'u-bounce';
    const { client } = await connectClient(server, { user, tenant: '1', roles: ['tenant_user'] });
    const connecting = waitFor(client, 'connecting', 5000, { failOn: ['disconnected'] });
    await cent(server).disconnect({ user, disconnect: { code: 4000, reason: 'come back' } });
    const c = await connecting;
    assert.equal(c.code, 4000);
    assert.equal(c.reason, 'come back');
    await waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
  });

  it('an unknown namespace is HTTP 200 {"error":{"code":102,...}}; cent.js throws CentException', T, async () => {
    const { server } = ctx;
    const res = await apiPost(server, 'publish', { channel: 'nope:x', data: { a: 1 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { error: { code: 102, message: 'unknown channel' } });
    await assert.rejects(cent(server).publish({ channel: 'nope:x', data: { a: 1 } }), CentException);
  });

  it('bad requests: missing channel is 107, presence/history where the namespace has none is 108', T, async () => {
    const { server } = ctx;
    assert.deepEqual((await apiPost(server, 'publish', { data: { a: 1 } })).json, {
      error: { code: 107, message: 'bad request' },
    });
    assert.deepEqual((await apiPost(server, 'presence', { channel: 'admin:metrics' })).json, {
      error: { code: 108, message: 'not available' },
    });
    assert.deepEqual((await apiPost(server, 'history', { channel: 'system:x', limit: 1 })).json, {
      error: { code: 108, message: 'not available' },
    });
  });

  it('/api/batch runs 2 commands and answers {replies:[...]} in order', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:batch:deployments';
    const res = await apiPost(server, 'batch', {
      commands: [{ publish: { channel, data: { b: 1 } } }, { presence_stats: { channel } }],
    });
    assert.equal(res.status, 200);
    const { replies } = res.json;
    assert.equal(replies.length, 2, res.text);
    assert.ok(Number.isInteger(replies[0].publish.offset), res.text);
    assert.equal(typeof replies[0].publish.epoch, 'string');
    assert.deepEqual(replies[1], { presence_stats: { num_clients: 0, num_users: 0 } });

    const withError = await apiPost(server, 'batch', {
      commands: [{ history: { channel: 'system:x' } }, { info: {} }],
    });
    assert.deepEqual(withError.json.replies[0], { error: { code: 108, message: 'not available' } });
    assert.ok(Array.isArray(withError.json.replies[1].info.nodes), withError.text);
  });

  it('cent.js pipeline uses the legacy POST /api newline protocol', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:pipe:deployments';
    const results = await cent(server).pipeline([
      { method: 'publish', params: { channel, data: { p: 1 } } },
      { method: 'publish', params: { channel, data: { p: 2 } } },
      { method: 'presence_stats', params: { channel } },
    ]);
    assert.equal(results.length, 3);
    assert.equal(results[1].offset, results[0].offset + 1);
    assert.deepEqual(results[2], { num_clients: 0, num_users: 0 });
  });
});

describe('server API authentication and HTTP layer', () => {
  it('a wrong API key is HTTP 401 with a JSON body', T, async () => {
    const { server } = ctx;
    const res = await apiPost(server, 'info', {}, { headers: { 'X-API-Key': 'wrong' } });
    assert.equal(res.status, 401);
    assert.ok(res.json && typeof res.json.error === 'object', `401 body is not a JSON error: ${JSON.stringify(res.text)}`);
  });

  it('a missing API key is HTTP 401', T, async () => {
    const { server } = ctx;
    const res = await apiPost(server, 'info', {}, { headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 401);
    assert.ok(res.json && typeof res.json.error === 'object', `401 body is not a JSON error: ${JSON.stringify(res.text)}`);
  });

  it('a wrong key fails for cent.js too, and publishes nothing', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:auth:deployments';
    const before = await cent(server).getHistory({ channel });
    await assert.rejects(cent(server, 'wrong').publish({ channel, data: { no: 1 } }));
    const after = await cent(server).getHistory({ channel });
    assert.equal(after.offset, before.offset);
  });

  it('Authorization: apikey KEY works (scheme case-insensitive)', T, async () => {
    const { server } = ctx;
    for (const scheme of ['apikey', 'ApiKey', 'APIKEY']) {
      const res = await apiPost(server, 'info', {}, { headers: { Authorization: `${scheme} ${server.apiKey}` } });
      assert.equal(res.status, 200, `${scheme}: ${res.text}`);
      assert.ok(Array.isArray(res.json.result.nodes));
    }
    const bad = await apiPost(server, 'info', {}, { headers: { Authorization: 'apikey wrong' } });
    assert.equal(bad.status, 401);
    const bearer = await apiPost(server, 'info', {}, { headers: { Authorization: `Bearer ${server.apiKey}` } });
    assert.equal(bearer.status, 401);
  });

  it('GET on an API method is 405; invalid JSON is 400', T, async () => {
    const { server } = ctx;
    const get = await apiPost(server, 'info', undefined, {
      httpMethod: 'GET',
      headers: { 'X-API-Key': server.apiKey },
    });
    assert.equal(get.status, 405);
    const bad = await apiPost(server, 'publish', '{"channel":', undefined);
    assert.equal(bad.status, 400);
  });

  it('a tenant key publishes only into its own tenant (others: 103)', T, async () => {
    const { server } = ctx;
    const tk = cent(server, TENANT_KEY);
    const ok = await tk.publish({ channel: 'tenant:123:deployments', data: { t: 1 } });
    assert.ok(Number.isInteger(ok.offset));
    for (const channel of ['tenant:124:deployments', 'tenant:1234:deployments', 'admin:metrics', 'system:x']) {
      const res = await apiPost(server, 'publish', { channel, data: { t: 1 } }, {
        headers: { 'X-API-Key': TENANT_KEY },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { error: { code: 103, message: 'permission denied' } }, channel);
    }
  });

  it('GET /health is 200 {}', T, async () => {
    const { server } = ctx;
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
  });
});

describe('server process (api.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
