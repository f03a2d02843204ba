// Token lifetimes: connection refresh and subscription tokens (grant, sub_refresh, limits).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  TEST_TIMEOUT,
  cent,
  claimsFor,
  connectClient,
  makeToken,
  nowSec,
  rawConnected,
  subscribe,
  subscribeRefused,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();
const TENANT_USER = { user: 'r-user', tenant: '1', roles: ['tenant_user'] };

function subToken(server, user, channel, ttl = 3600, extra = {}) {
  return makeToken(server.secret, { sub: user, channel, exp: nowSec() + ttl, ...extra });
}

describe('connection token refresh', () => {
  it('centrifuge-js refreshes a short-lived token through getToken and stays connected', T, async () => {
    const { server } = ctx;
    let calls = 0;
    const { client, ctx: connected } = await connectClient(server, TENANT_USER, {
      token: makeToken(server.secret, claimsFor({ ...TENANT_USER, ttl: 2 })),
      getToken: async () => {
        calls += 1;
        return makeToken(server.secret, claimsFor({ ...TENANT_USER, ttl: 3600 }));
      },
    });
    assert.ok(connected.client);
    const { sub } = await subscribe(client, 'tenant:1:deployments');
    // The client refreshes after ttl (2 s); keep going until it has, then check it still receives.
    const deadline = Date.now() + 6000;
    while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, 1, 'getToken must be called once the first token nears expiry');
    const got = waitFor(sub, 'publication');
    await cent(server).publish({ channel: 'tenant:1:deployments', data: { after: 'refresh' } });
    assert.deepEqual((await got).data, { after: 'refresh' });
    assert.equal(client.state, 'connected');
  });

  it('refresh replies with the new ttl; another user in the token closes with 3500', T, async () => {
    const { server } = ctx;
    const r = await rawConnected(server, TENANT_USER);
    const fresh = makeToken(server.secret, claimsFor({ ...TENANT_USER, ttl: 600 }));
    const reply = await r.request('refresh', { token: fresh });
    assert.equal(reply.refresh.expires, true);
    assert.ok(reply.refresh.ttl > 590 && reply.refresh.ttl <= 600, JSON.stringify(reply));
    r.send({ id: 99, refresh: { token: makeToken(server.secret, claimsFor({ ...TENANT_USER, user: 'someone-else' })) } });
    const closed = await r.closed;
    assert.equal(closed.code, 3500);
  });

  it('an expired token in refresh closes with 3005; an empty one with 3501', T, async () => {
    const { server } = ctx;
    const r = await rawConnected(server, TENANT_USER);
    r.send({ id: 5, refresh: { token: makeToken(server.secret, claimsFor({ ...TENANT_USER, ttl: -10 })) } });
    assert.equal((await r.closed).code, 3005);
    const r2 = await rawConnected(server, TENANT_USER);
    r2.send({ id: 6, refresh: {} });
    assert.equal((await r2.closed).code, 3501);
  });
});

describe('subscription tokens', () => {
  it('grant a channel the roles do not, with chan_info in presence', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:monitoring'; // tenant_user's roles do not list monitoring
    const { client } = await connectClient(server, TENANT_USER);
    const refused = await subscribeRefused(client, channel);
    assert.equal(refused.code, 103);
    const token = subToken(server, TENANT_USER.user, channel, 3600, { info: { seat: 7 } });
    await subscribe(client, channel, { token });
    const { presence } = await cent(server).getPresence({ channel });
    const entries = Object.values(presence);
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0].chan_info, { seat: 7 });
  });

  it("never open another tenant's channel", T, async () => {
    const { server } = ctx;
    const channel = 'tenant:2:deployments';
    const { client } = await connectClient(server, TENANT_USER);
    const refused = await subscribeRefused(client, channel, { token: subToken(server, TENANT_USER.user, channel) });
    assert.equal(refused.code, 103);
  });

  it('a token for another channel or user closes with 3500; expired gets 109; bad signature 103', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:monitoring';
    let r = await rawConnected(server, TENANT_USER);
    const expired = await r.request('subscribe', { channel, token: subToken(server, TENANT_USER.user, channel, -5) });
    assert.equal(expired.error.code, 109);
    const forged = await r.request('subscribe', {
      channel,
      token: makeToken('not-the-secret', { sub: TENANT_USER.user, channel }),
    });
    assert.equal(forged.error.code, 103);
    r.send({ id: 50, subscribe: { channel, token: subToken(server, TENANT_USER.user, 'tenant:1:other') } });
    assert.equal((await r.closed).code, 3500);
    r = await rawConnected(server, TENANT_USER);
    r.send({ id: 51, subscribe: { channel, token: subToken(server, 'mallory', channel) } });
    assert.equal((await r.closed).code, 3500);
  });

  it('sub_refresh extends the subscription; unknown channel 103, empty token 107', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:monitoring';
    const r = await rawConnected(server, TENANT_USER);
    const sub = await r.request('subscribe', { channel, token: subToken(server, TENANT_USER.user, channel, 60) });
    assert.equal(sub.subscribe.expires, true);
    assert.ok(sub.subscribe.ttl > 50 && sub.subscribe.ttl <= 60);
    const refreshed = await r.request('sub_refresh', { channel, token: subToken(server, TENANT_USER.user, channel, 900) });
    assert.equal(refreshed.sub_refresh.expires, true);
    assert.ok(refreshed.sub_refresh.ttl > 890 && refreshed.sub_refresh.ttl <= 900);
    const notSubscribed = await r.request('sub_refresh', {
      channel: 'tenant:1:billing',
      token: subToken(server, TENANT_USER.user, 'tenant:1:billing'),
    });
    assert.equal(notSubscribed.error.code, 103);
    const empty = await r.request('sub_refresh', { channel });
    assert.equal(empty.error.code, 107);
  });

  it('centrifuge-js refreshes a short-lived subscription token through the subscription getToken', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:1:monitoring';
    const { client } = await connectClient(server, TENANT_USER);
    let calls = 0;
    const { sub } = await subscribe(client, channel, {
      token: subToken(server, TENANT_USER.user, channel, 2),
      getToken: async () => {
        calls += 1;
        return subToken(server, TENANT_USER.user, channel, 3600);
      },
    });
    const deadline = Date.now() + 6000;
    while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, 1);
    const got = waitFor(sub, 'publication');
    await cent(server).publish({ channel, data: { still: 'subscribed' } });
    assert.deepEqual((await got).data, { still: 'subscribed' });
    assert.equal(sub.state, 'subscribed');
  });
});
