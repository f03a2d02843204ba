// 8. Connection tokens: invalid ⇒ close 3500 (terminal), expired ⇒ error 109 (getToken, reconnect),
// missing ⇒ close 3501.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';

import {
  TEST_TIMEOUT,
  assertCleanExit,
  claimsFor,
  makeNoneToken,
  makeToken,
  newClient,
  nowSec,
  rawWs,
  tokenFor,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

const USER = { user: 'u-tok', tenant: '1', roles: ['tenant_user'] };

/** Raw connect with `token`; resolves {reply, close} where exactly one is set. */
async function rawConnectOutcome(server, token, extra = {}) {
  const r = rawWs(server.wsUrl);
  await r.opened;
  r.send({ connect: token === undefined ? { ...extra } : { token, ...extra }, id: 1 });
  await r.waitUntil(() => r.closeInfo !== null || r.messages.some((m) => m.id === 1), 5000, 'a connect reply or a close');
  return { r, reply: r.messages.find((m) => m.id === 1), close: r.closeInfo };
}

async function expectInvalidToken(server, token) {
  const { reply, close } = await rawConnectOutcome(server, token);
  assert.equal(reply, undefined, `expected close 3500 without a reply, got reply ${JSON.stringify(reply)}`);
  assert.deepEqual(close, { code: 3500, reason: 'invalid token' });
}

/** centrifuge-js must end `disconnected` with `code` and never go back to connecting. */
async function expectSdkDisconnected(server, token, code, reason) {
  const client = newClient(server, { token });
  client.connect();
  // connect() emits its initial "connecting" (code 0) synchronously, before this listener exists;
  // any later "connecting" would be a reconnect, which a terminal code forbids.
  const d = await waitFor(client, 'disconnected', 5000, { failOn: ['connected', 'connecting'] });
  assert.equal(d.code, code);
  if (reason !== undefined) assert.equal(d.reason, reason);
  assert.equal(client.state, 'disconnected');
}

describe('invalid connection tokens close with 3500', () => {
  it('bad signature: centrifuge-js ends disconnected with 3500 and does not reconnect', T, async () => {
    const { server } = ctx;
    const token = makeToken('not-the-secret', claimsFor(USER));
    await expectSdkDisconnected(server, token, 3500, 'invalid token');
    await expectInvalidToken(server, token);
  });

  it('alg none is refused with 3500', T, async () => {
    const { server } = ctx;
    const token = makeNoneToken(claimsFor(USER));
    await expectInvalidToken(server, token);
    await expectSdkDisconnected(server, token, 3500, 'invalid token');
  });

  it('alg none with the HMAC of the secret appended is still refused', T, async () => {
    const { server } = ctx;
    const none = makeNoneToken(claimsFor(USER));
    const sig = createHmac('sha256', server.secret).update(none.slice(0, -1)).digest('base64url');
    await expectInvalidToken(server, none + sig);
  });

  it('tenantId containing ":" is refused with 3500', T, async () => {
    const { server } = ctx;
    await expectInvalidToken(server, makeToken(server.secret, claimsFor({ ...USER, tenant: '1:deployments' })));
    await expectSdkDisconnected(
      server,
      makeToken(server.secret, claimsFor({ ...USER, tenant: '2:x' })),
      3500,
      'invalid token',
    );
  });

  for (const [what, identity] of [
    ['tenantId with "*"', { ...USER, tenant: '*' }],
    ['tenantId with "{"/"}"', { ...USER, tenant: '{tenant_id}' }],
    ['tenantId with "#"', { ...USER, tenant: '1#2' }],
    ['tenantId with a space', { ...USER, tenant: '1 2' }],
    ['tenantId with a tab', { ...USER, tenant: '1\t' }],
    ['sub with ":"', { ...USER, user: 'u:1' }],
    ['sub with "*"', { ...USER, user: 'u*' }],
    ['sub with "#"', { ...USER, user: '#u' }],
    ['sub with "{"', { ...USER, user: '{user_id}' }],
    ['sub with a newline', { ...USER, user: 'u\n1' }],
  ]) {
    it(`${what} is refused with 3500`, T, async () => {
      await expectInvalidToken(ctx.server, makeToken(ctx.server.secret, claimsFor(identity)));
    });
  }

  it('a connection token carrying a "channel" claim is refused with 3500', T, async () => {
    const { server } = ctx;
    await expectInvalidToken(server, makeToken(server.secret, claimsFor({ ...USER, channel: 'tenant:1:deployments' })));
  });

  it('garbage that is not a JWT is refused with 3500', T, async () => {
    const { server } = ctx;
    await expectInvalidToken(server, 'not.a.jwt');
    await expectInvalidToken(server, 'abc');
  });

  it('a tampered payload (tenant swapped after signing) is refused with 3500', T, async () => {
    const { server } = ctx;
    const good = tokenFor(server, USER);
    const [h, , s] = good.split('.');
    const forged = Buffer.from(JSON.stringify(claimsFor({ ...USER, tenant: '2' }))).toString('base64url');
    await expectInvalidToken(server, `${h}.${forged}.${s}`);
  });
});

describe('valid algorithms', () => {
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    it(`${alg} is accepted`, T, async () => {
      const { server } = ctx;
      const { reply, close } = await rawConnectOutcome(server, makeToken(server.secret, claimsFor(USER), alg));
      assert.equal(close, null, `closed ${JSON.stringify(close)}`);
      assert.ok(reply.connect && reply.connect.client, JSON.stringify(reply));
    });
  }
});

describe('expired tokens get 109', () => {
  it('expired exp: the connect reply is error 109 "token expired"', T, async () => {
    const { server } = ctx;
    const token = makeToken(server.secret, claimsFor({ ...USER, ttl: -60 }));
    const { reply, close } = await rawConnectOutcome(server, token);
    assert.ok(reply, `expected an error reply, got close ${JSON.stringify(close)}`);
    assert.deepEqual(reply, { id: 1, error: { code: 109, message: 'token expired' } });
  });

  it('nbf in the future counts as expired (109)', T, async () => {
    const { server } = ctx;
    const token = makeToken(server.secret, claimsFor({ ...USER, nbf: nowSec() + 600 }));
    const { reply } = await rawConnectOutcome(server, token);
    assert.ok(reply, 'expected an error reply');
    assert.deepEqual(reply.error, { code: 109, message: 'token expired' });
  });

  it('centrifuge-js with getToken fetches a fresh token after 109 and connects', T, async () => {
    const { server } = ctx;
    const expired = makeToken(server.secret, claimsFor({ ...USER, ttl: -60 }));
    let calls = 0;
    const client = newClient(server, {
      token: expired,
      getToken: async () => {
        calls++;
        return tokenFor(server, USER);
      },
    });
    const connected = waitFor(client, 'connected', 8000, { failOn: ['disconnected'] });
    client.connect();
    const c = await connected;
    assert.ok(c.client.length > 0);
    assert.ok(calls >= 1, 'getToken was not called');
    assert.ok(
      client.errors.some((e) => e.error && e.error.code === 109),
      `expected a 109 error event, got ${JSON.stringify(client.errors)}`,
    );
  });

  it('centrifuge-js without getToken ends disconnected (code 1 "unauthorized") after 109', T, async () => {
    const { server } = ctx;
    const expired = makeToken(server.secret, claimsFor({ ...USER, ttl: -60 }));
    const client = newClient(server, { token: expired });
    const disconnected = waitFor(client, 'disconnected', 8000, { failOn: ['connected'] });
    client.connect();
    const d = await disconnected;
    assert.equal(d.code, 1);
    assert.equal(d.reason, 'unauthorized');
  });
});

describe('missing token', () => {
  it('a connect without a token is closed with 3501', T, async () => {
    const { server } = ctx;
    const { reply, close } = await rawConnectOutcome(server, undefined, { name: 'js' });
    assert.equal(reply, undefined, JSON.stringify(reply));
    assert.deepEqual(close, { code: 3501, reason: 'bad request' });
  });

  it('centrifuge-js without a token ends disconnected with 3501', T, async () => {
    const { server } = ctx;
    await expectSdkDisconnected(server, '', 3501, 'bad request');
  });
});

describe('server process (tokens.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
