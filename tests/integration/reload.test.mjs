// Live reload (SIGHUP, `neo-events reload`): token keys, roles, tenant quotas and API keys change
// while connections stay up; subscriptions the new roles forbid end with unsubscribe 2000; an
// invalid file is refused with every problem logged and the running config kept; settings only
// a restart can apply are reported as such and left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
  BIN,
  EVENT_TIMEOUT,
  apiPost,
  claimsFor,
  connectClient,
  deepMerge,
  makeToken,
  newClient,
  rawWs,
  subscribe,
  useServer,
  waitFor,
} from './harness.mjs';

const T = { timeout: 20_000 };
const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-reload-'));
const pidFile = path.join(dir, 'neo-events.pid');
const ctx = useServer({ node: { pid_file: pidFile }, metrics: { enabled: true } });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Writes the server's config file as `change` makes it from the running one. */
function rewrite(server, change) {
  const next = change(structuredClone(server.config));
  writeFileSync(server.configFile, JSON.stringify(next, null, 2));
  return next;
}

/** Waits until the server's output, from `mark` on, matches `pattern`; returns that output. */
async function outputMatching(server, mark, pattern, what) {
  const deadline = Date.now() + EVENT_TIMEOUT;
  while (Date.now() < deadline) {
    const out = server.output.slice(mark);
    if (pattern.test(out)) return out;
    await sleep(25);
  }
  throw new Error(`no ${what} in the server's output:\n${server.output.slice(mark)}`);
}

/** neo_events_config_reloads_total{result} as /metrics says now. */
async function reloads(server, result) {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`neo_events_config_reloads_total{result="${result}"} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

function cli(args) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NEO_EVENTS_')));
  return spawnSync(BIN, args, { env, encoding: 'utf8', timeout: 10_000 });
}

/** Connects a raw WebSocket with `token`; resolves the connect reply or the close. */
async function tryConnect(server, token) {
  const r = rawWs(server.wsUrl);
  await r.opened;
  r.send({ connect: { token }, id: 1 });
  await r.waitUntil(() => r.closeInfo || r.messages.some((m) => m.id === 1), EVENT_TIMEOUT, 'connect outcome');
  const reply = r.messages.find((m) => m.id === 1);
  const outcome =
    reply && reply.connect ? 'connected' : r.closeInfo ? `closed ${r.closeInfo.code}` : JSON.stringify(reply);
  await r.close();
  return outcome;
}

describe('reload', () => {
  it(
    'keys, roles, quotas and API keys change live; connections stay; forbidden subscriptions end with 2000',
    T,
    async () => {
      const { server } = ctx;
      const user = { user: 'u-reload', tenant: '1', roles: ['tenant_user'] };
      const { client } = await connectClient(server, user);
      const idle = await connectClient(server, { ...user, user: 'u-idle' });
      const trouble = [];
      for (const c of [client, idle.client]) c.on('disconnected', (e) => trouble.push(e));
      const { sub: billing } = await subscribe(client, 'tenant:1:billing');
      const { sub: deployments } = await subscribe(client, 'tenant:1:deployments');
      const revoked = waitFor(billing, 'unsubscribed', EVENT_TIMEOUT);

      const oldSecret = server.secret;
      const newSecret = 'rotated-secret-0123456789';
      const newKey = 'rotated-api-key-0123456789';
      rewrite(server, (c) =>
        deepMerge(c, {
          client: { token: { hmac_secret: newSecret } },
          api: { key: newKey },
          roles: {
            tenant_user: { subscribe: c.roles.tenant_user.subscribe.filter((p) => p !== 'tenant:{tenant_id}:billing') },
          },
          tenants: { overrides: [{ tenant: '3', max_connections: 1, max_publish_per_second: 0 }] },
        }),
      );
      const mark = server.output.length;
      const sent = cli(['reload', '-c', server.configFile]);
      assert.equal(sent.status, 0, sent.stderr);
      assert.match(sent.stdout, new RegExp(`^sent SIGHUP to pid ${server.pid}: `));
      await outputMatching(server, mark, /config reloaded from /, '"config reloaded"');

      const u = await revoked;
      assert.deepEqual({ code: u.code, reason: u.reason }, { code: 2000, reason: 'server unsubscribe' });
      assert.equal(deployments.state, 'subscribed', 'a channel the role still allows stays');
      assert.deepEqual(trouble, [], 'no connection was dropped');
      assert.equal(client.state, 'connected');

      // The API: the old key is refused, the new one publishes to the subscriber that stayed.
      assert.equal((await apiPost(server, 'info', {})).status, 401);
      const publication = waitFor(deployments, 'publication');
      const published = await apiPost(
        server,
        'publish',
        { channel: 'tenant:1:deployments', data: { n: 1 } },
        {
          headers: { 'Content-Type': 'application/json', 'X-API-Key': newKey },
        },
      );
      assert.ok(published.json.result, published.text);
      assert.deepEqual((await publication).data, { n: 1 });

      // Tokens: the new key's are accepted, the old key's refused for new connects.
      assert.equal(await tryConnect(server, makeToken(newSecret, claimsFor(user))), 'connected');
      assert.equal(await tryConnect(server, makeToken(oldSecret, claimsFor(user))), 'closed 3500');

      // The new tenant quota: one connection for tenant 3.
      const t3 = makeToken(newSecret, claimsFor({ user: 'q', tenant: '3', roles: ['tenant_user'] }));
      const first = newClient(server, { token: t3 });
      const firstUp = waitFor(first, 'connected');
      first.connect();
      await firstUp;
      assert.equal(await tryConnect(server, t3), 'closed 3504');
      server.secret = newSecret;
      server.apiKey = newKey;
    },
  );

  it('an invalid file is refused with every problem logged; the running config stays', T, async () => {
    const { server } = ctx;
    const running = server.config;
    rewrite(server, (c) => deepMerge(c, { client: { ping_interval: 'soon' }, audit: { file: dir } }));
    const mark = server.output.length;
    process.kill(server.pid, 'SIGHUP');
    const out = await outputMatching(server, mark, /audit\.file: .* is a directory/, 'the refusal');
    const lines = out.split('\n').filter((l) => l.includes('config reload refused'));
    assert.deepEqual(
      lines.map((l) => l.slice(l.indexOf('config reload refused'))),
      [
        `config reload refused: ${server.configFile} has 2 problem(s); the running config stays`,
        'config reload refused: client.ping_interval: expected a duration like 25s, got "soon"',
        `config reload refused: audit.file: ${dir} is a directory`,
      ],
    );
    assert.ok(!/config reloaded/.test(out));
    assert.equal(await reloads(server, 'refused'), 1);
    assert.equal(await reloads(server, 'ok'), 1, 'the previous test reloaded once');
    // The reloaded config of the previous test is still the one in force.
    assert.equal(
      await tryConnect(server, makeToken(server.secret, claimsFor({ user: 'u', tenant: '1' }))),
      'connected',
    );
    // `neo-events reload` checks first and does not signal a file the server would refuse.
    const refused = cli(['reload', '-c', server.configFile]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /client\.ping_interval: expected a duration like 25s, got "soon"/);
    server.config = running;
  });

  it('settings only a restart applies are logged as such and left alone', T, async () => {
    const { server } = ctx;
    rewrite(server, (c) =>
      deepMerge(c, {
        client: { token: { hmac_secret: server.secret } },
        api: { key: server.apiKey },
        http: { listen: '127.0.0.1:1' },
        node: { threads: 1 },
      }),
    );
    const mark = server.output.length;
    process.kill(server.pid, 'SIGHUP');
    const out = await outputMatching(server, mark, /config reloaded from /, '"config reloaded"');
    assert.match(out, /config reload: http\.listen changed; it needs a restart, the running value stays/);
    assert.match(out, /config reload: node changed; it needs a restart, the running value stays/);
    assert.equal(
      await tryConnect(server, makeToken(server.secret, claimsFor({ user: 'u', tenant: '1' }))),
      'connected',
    );
  });
});
