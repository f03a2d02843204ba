// Issue 10: an expiry far ahead (a token `exp`/`expire_at` of year 9999, 2^63−1 or now + 2^32,
// or a server API `refresh` with such an `expire_at`) counts as one year from now, as in
// Centrifugo: the ttl in the reply is close to 31536000, never truncated, and the connection
// keeps its server pings. Before, now + 2^32 gave ttl 0 and the others stopped the pings, so
// centrifuge-js dropped the connection every ping interval + 10 s.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  TEST_TIMEOUT,
  apiPost,
  assertCleanExit,
  cent,
  claimsFor,
  makeToken,
  newClient,
  nowSec,
  rawWs,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
// A ping every 2 s keeps the waits for "the pings go on" short.
const ctx = useServer({ client: { ping_interval: '2s', pong_timeout: '1s' } });

const USER = { user: 'u-exp', tenant: '1', roles: ['tenant_user'] };
const CHANNEL = 'tenant:1:monitoring'; // only a subscription token grants it to tenant_user
const A_YEAR = 31_536_000;

// JSON number texts, written out: JSON.stringify would round 2^63−1 to 9223372036854776000.
const FAR_AHEAD = {
  'year 9999': () => '253402300799',
  '2^63−1': () => '9223372036854775807',
  'now + 2^32': () => String(nowSec() + 2 ** 32),
  '1e300': () => '1e300',
};

/** `claims` as JSON with `"name": <numberText>` spliced in verbatim, signed for `server`. */
function tokenWith(server, claims, name, numberText) {
  const json = JSON.stringify({ ...claims, [name]: 0 }).replace(`"${name}":0`, `"${name}":${numberText}`);
  return makeToken(server.secret, json);
}

const connectionToken = (server, exp) => tokenWith(server, claimsFor(USER), 'exp', exp);
const subscriptionToken = (server, exp) => tokenWith(server, { sub: USER.user, channel: CHANNEL }, 'exp', exp);

function assertAYear(ttl, what) {
  assert.ok(ttl <= A_YEAR && ttl >= A_YEAR - 10, `${what}: ttl ${ttl}, expected about ${A_YEAR}`);
}

/** A raw socket connected with `token` that answers pings; resolves {r, reply}. */
async function rawConnect(server, token) {
  const r = rawWs(server.wsUrl, { autoPong: true });
  await r.opened;
  const reply = await r.connect(token);
  assert.ok(reply.connect, `connect failed: ${JSON.stringify(reply)}`);
  return { r, reply: reply.connect };
}

/** Two more pings on every socket (the first within an interval), none of them closed. */
async function assertPingsGoOn(sockets) {
  await Promise.all(
    sockets.map((r) => {
      const want = r.pings + 2;
      return r.waitUntil(() => r.pings >= want, 6000, `${want} pings`, { failOnClose: true });
    }),
  );
}

describe('an expiry far ahead is one year from now', () => {
  it('connection token exp: the connect reply has ttl ≈ 31536000 and the pings go on', T, async () => {
    const { server } = ctx;
    const sockets = [];
    for (const [what, exp] of Object.entries(FAR_AHEAD)) {
      const { r, reply } = await rawConnect(server, connectionToken(server, exp()));
      assert.equal(reply.expires, true, what);
      assertAYear(reply.ttl, what);
      sockets.push(r);
    }
    await assertPingsGoOn(sockets);
  });

  it('connection token expire_at of 2^63−1 is capped the same way', T, async () => {
    const { server } = ctx;
    const token = tokenWith(server, claimsFor(USER), 'expire_at', '9223372036854775807');
    const { r, reply } = await rawConnect(server, token);
    assertAYear(reply.ttl, 'expire_at');
    await assertPingsGoOn([r]);
  });

  it('centrifuge-js with a year-9999 token stays connected across several pings', T, async () => {
    const { server } = ctx;
    let refreshes = 0;
    // Without pings centrifuge-js gives up after ping + maxServerPingDelay (here 2 + 1.5 s).
    const client = newClient(server, {
      token: connectionToken(server, FAR_AHEAD['year 9999']()),
      maxServerPingDelay: 1500,
      getToken: async () => {
        refreshes += 1;
        return connectionToken(server, FAR_AHEAD['year 9999']());
      },
    });
    const trouble = [];
    client.on('disconnected', (c) => trouble.push({ disconnected: c }));
    const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
    client.connect();
    await connected;
    client.on('connecting', (c) => trouble.push({ connecting: c }));
    await new Promise((resolve) => setTimeout(resolve, 6000));
    assert.deepEqual(trouble, []);
    assert.equal(client.state, 'connected');
    assert.equal(refreshes, 0, 'a year-long ttl must not trigger a refresh');
    client.disconnect();
  });

  it('subscribe, sub_refresh and refresh replies have ttl ≈ 31536000; the pings go on', T, async () => {
    const { server } = ctx;
    const sockets = [];
    for (const [what, exp] of Object.entries(FAR_AHEAD)) {
      const { r } = await rawConnect(server, connectionToken(server, String(nowSec() + 3600)));
      const sub = await r.request('subscribe', { channel: CHANNEL, token: subscriptionToken(server, exp()) });
      assert.equal(sub.subscribe?.expires, true, `${what}: ${JSON.stringify(sub)}`);
      assertAYear(sub.subscribe.ttl, `subscribe ${what}`);
      const subRefresh = await r.request('sub_refresh', { channel: CHANNEL, token: subscriptionToken(server, exp()) });
      assertAYear(subRefresh.sub_refresh?.ttl, `sub_refresh ${what}: ${JSON.stringify(subRefresh)}`);
      const refresh = await r.request('refresh', { token: connectionToken(server, exp()) });
      assertAYear(refresh.refresh?.ttl, `refresh ${what}: ${JSON.stringify(refresh)}`);
      sockets.push(r);
    }
    await assertPingsGoOn(sockets);
  });

  it('server API refresh with a huge expire_at pushes ttl ≈ 31536000; the pings go on', T, async () => {
    const { server } = ctx;
    const sockets = [];
    for (const [what, expireAt] of [
      ['2^63−1', '9223372036854775807'],
      ['2^64−1', '18446744073709551615'],
      ['year 9999', '253402300799'],
    ]) {
      const user = `u-api-${sockets.length}`;
      const { r } = await rawConnect(server, makeToken(server.secret, claimsFor({ ...USER, user })));
      const res = await apiPost(server, 'refresh', `{"user":"${user}","expire_at":${expireAt}}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json?.error, undefined, res.text);
      const push = await r.message((m) => m.push?.refresh, 5000, 'the refresh push');
      assert.equal(push.push.refresh.expires, true, what);
      assertAYear(push.push.refresh.ttl, `API refresh ${what}`);
      sockets.push(r);
    }
    // cent.js (a JavaScript number) as a backend would send it.
    const { r } = await rawConnect(server, makeToken(server.secret, claimsFor({ ...USER, user: 'u-cent' })));
    assert.deepEqual(await cent(server).refresh({ user: 'u-cent', expire_at: 2 ** 63 }), {});
    const push = await r.message((m) => m.push?.refresh, 5000, 'the refresh push');
    assertAYear(push.push.refresh.ttl, 'cent.js refresh 2^63');
    await assertPingsGoOn([...sockets, r]);
  });
});

describe('server process (expiry.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
