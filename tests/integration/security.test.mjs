// Multi-tenant hardening, attack by attack (spec §4–§6, §8; README "Limits and codes").
//
// A table: one row per attack, each {name, group, target, observer?, attack(env), expect}. The
// rows of a group share one server whose config the group names (four servers for the file).
// For every row the runner
//   1. connects a well-behaved observer (centrifuge-js) subscribed to the row's target channel,
//   2. runs the attack, which resolves {outcome, leaks?, admitted?, sentinelDelayMs?},
//   3. asserts outcome deep-equals `expect` (the exact codes),
//   4. asserts the observer received no publication made by the attack (payloads carry
//      `attack: <row>`; only those in `admitted`, answered OK, may arrive),
//   5. publishes a sentinel through the master key and waits for the observer to receive it
//      (the observer was live, so a leak would have been seen), then asserts that no attacker
//      socket in `leaks` got any push for the target channel (not even the sentinel), and that
//      the observer never reconnected.
// Each group ends with its audit-log assertions (exact lines, no token/secret/key in the file)
// and the clean-exit check.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import {
  ADMIN,
  Centrifuge,
  WebSocket,
  apiPost,
  assertCleanExit,
  cent,
  claimsFor,
  makeNoneToken,
  makeToken,
  nowSec,
  record,
  subscribe,
  track,
  useServer,
  waitFor,
} from './harness.mjs';
import {
  assertAuditShape,
  assertNoSecrets,
  attemptConnect,
  connectOutcome,
  expectAudit,
  makeRawToken,
  makeRsaToken,
  rawUpgrade,
  sleep,
} from './support/hardening.mjs';

const T = { timeout: 15_000 };

const auditDir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-audit-'));
after(() => rmSync(auditDir, { recursive: true, force: true }));

const KEY_A = randomBytes(24).toString('hex');
const KEY_B = randomBytes(24).toString('hex');
const AUD = 'neo-portal';
const ISS = 'https://auth.neo-stack.example';
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const otherRsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

// ---------------------------------------------------------------------------------------------
// Server groups

const GROUPS = {
  tenancy: {
    title: 'tenant keys, quotas, rate limits, sizes, origin',
    config: {
      http: { allowed_origins: ['https://portal.example'] },
      client: { channel_limit: 3, max_message_bytes: 4096 },
      api: {
        tenant_keys: [
          { tenant: 'A', key: KEY_A },
          { tenant: 'B', key: KEY_B },
        ],
      },
      tenants: {
        max_connections: 3, // the global limit: tenant G has no override
        max_publish_per_second: 1000,
        overrides: [
          { tenant: 'A', max_connections: 100, max_publish_per_second: 1000 },
          { tenant: 'B', max_connections: 100, max_publish_per_second: 1000 },
          { tenant: 'Q', max_connections: 2, max_publish_per_second: 1000 },
          { tenant: 'P', max_connections: 100, max_publish_per_second: 5 },
        ],
      },
      rate_limits: [{ channel: 'tenant:*:dashboard', per_second: 2 }],
      audit: { enabled: true, file: path.join(auditDir, 'tenancy.log') },
    },
  },
  tokens: {
    title: 'HMAC tokens with audience, issuer, leeway and max_bytes',
    config: {
      client: { token: { audience: AUD, issuer: ISS, leeway: '30s', max_bytes: 1024 } },
      audit: { enabled: true, file: path.join(auditDir, 'tokens.log') },
    },
    claims: { aud: AUD, iss: ISS },
  },
  rsa: {
    title: 'only an RSA public key configured',
    config: {
      client: { token: { hmac_secret: '', rsa_public_key: rsa.publicKey } },
      audit: { enabled: true, file: path.join(auditDir, 'rsa.log') },
    },
    rsa: true,
  },
  commands: {
    title: 'per-connection command rate',
    config: {
      client: { command_rate_per_second: 2, command_burst: 5 },
      audit: { enabled: true, file: path.join(auditDir, 'commands.log') },
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Per-group environment handed to attacks

function makeEnv(group, server) {
  const tokens = new Set();
  const env = {
    server,
    group,
    tokens, // every token made for this server, to check the audit log never shows one
    /** Signs claims the group's way (HMAC secret or the RSA private key) and records the token. */
    sign(claims) {
      const t = group.rsa ? makeRsaToken(rsa.privateKey, claims) : makeToken(server.secret, claims);
      tokens.add(t);
      return t;
    },
    keep(t) {
      tokens.add(t);
      return t;
    },
    /** Claims for an identity with the group's defaults (aud/iss) and `extra` on top. */
    claims(identity, extra = {}) {
      return { ...claimsFor({ ...identity, ...(group.claims ?? {}) }), ...extra };
    },
    token(identity, extra) {
      return env.sign(env.claims(identity, extra));
    },
    /** A raw socket connected as `identity`. */
    async raw(identity, extra) {
      const { r, reply } = await attemptConnect(server.wsUrl, env.token(identity, extra));
      assert.ok(reply?.connect, `connect as ${identity.user} failed: ${JSON.stringify(reply ?? r.closeInfo)}`);
      return r;
    },
    api(key, method, body) {
      return apiPost(server, method, body, { headers: { 'Content-Type': 'application/json', 'X-API-Key': key } });
    },
    /** A well-behaved centrifuge-js client subscribed to `channel`. */
    async observe(channel, identity = ADMIN) {
      const client = new Centrifuge(server.wsUrl, {
        websocket: WebSocket,
        token: env.token(identity),
        minReconnectDelay: 100,
        maxReconnectDelay: 1000,
        timeout: 5000,
      });
      client.errors = [];
      client.on('error', (e) => client.errors.push(e));
      track(client);
      const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
      client.connect();
      await connected;
      let reconnects = 0;
      client.on('connecting', () => reconnects++);
      client.on('disconnected', () => reconnects++);
      const { sub } = await subscribe(client, channel);
      let resubscribes = 0;
      sub.on('subscribing', () => resubscribes++);
      return {
        client,
        sub,
        pubs: record(sub, 'publication'),
        get reconnects() {
          return reconnects;
        },
        get resubscribes() {
          return resubscribes;
        },
      };
    },
  };
  return env;
}

const attackData = (row, n = 0, extra = {}) => ({ type: 'attack', attack: row, n, ...extra });
const errCode = (res) => (res.json && res.json.error ? res.json.error.code : res.json && 'result' in res.json ? 'ok' : `HTTP ${res.status} ${res.text}`);

/** The error (or ok) of each reply of a raw client request. */
async function clientCodes(r, method, paramsList) {
  const out = [];
  for (const params of paramsList) {
    const reply = await r.request(method, params);
    out.push(reply.error ? reply.error.code : 'ok');
  }
  return out;
}

/** Sends each command (already numbered) in one frame; resolves the replies by id. */
async function burst(r, commands) {
  const first = r.nextId;
  const frame = commands.map((c) => JSON.stringify({ ...c, id: r.nextId++ })).join('\n');
  r.sendRaw(frame);
  const replies = [];
  for (let i = 0; i < commands.length; i++) replies.push(await r.reply(first + i));
  return replies;
}

// ---------------------------------------------------------------------------------------------
// The table

const TA_USER = { user: 'a-user', tenant: 'A', roles: ['tenant_user'] };
const TA_ADMIN = { user: 'a-admin', tenant: 'A', roles: ['tenant_admin'] };

const ROWS = [
  // ---- tenancy ------------------------------------------------------------------------------
  {
    name: 'cross-tenant subscribe: tenant_user of A subscribes tenant:B:deployments',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    async attack(env) {
      const r = await env.raw({ user: 'a-sub', tenant: 'A', roles: ['tenant_user'] });
      const reply = await r.request('subscribe', { channel: 'tenant:B:deployments' });
      // The same socket can still use its own tenant.
      const own = await r.request('subscribe', { channel: 'tenant:A:deployments' });
      return { outcome: { error: reply.error, ownOk: !!own.subscribe, open: r.isOpen }, leaks: [r] };
    },
    expect: { error: { code: 103, message: 'permission denied' }, ownOk: true, open: true },
  },
  {
    name: 'cross-tenant client publish: tenant_admin of A publishes into tenant:B:deployments',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    async attack(env, row) {
      const r = await env.raw({ user: 'a-pub', tenant: 'A', roles: ['tenant_admin'] });
      const reply = await r.request('publish', { channel: 'tenant:B:deployments', data: attackData(row.name) });
      return { outcome: { error: reply.error, open: r.isOpen }, leaks: [r] };
    },
    expect: { error: { code: 103, message: 'permission denied' }, open: true },
  },
  {
    name: 'tenant key of A publishes into tenant B (and other non-A channels)',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    async attack(env, row) {
      const codes = {};
      for (const channel of ['tenant:B:deployments', 'tenant:AB:deployments', 'tenant:A', 'admin:alerts', 'system:status', 'user:a-user:notifications']) {
        const res = await env.api(KEY_A, 'publish', { channel, data: attackData(row.name, 0, { channel }) });
        assert.equal(res.status, 200, `${channel}: HTTP ${res.status}`);
        codes[channel] = channel === 'tenant:B:deployments' ? res.json : errCode(res);
      }
      // Its own tenant works (the key is valid).
      const own = await env.api(KEY_A, 'publish', { channel: 'tenant:A:deployments', data: { type: 'own' } });
      return { outcome: { ...codes, own: errCode(own) } };
    },
    expect: {
      'tenant:B:deployments': { error: { code: 103, message: 'permission denied' } },
      'tenant:AB:deployments': 103,
      'tenant:A': 103,
      'admin:alerts': 103,
      'system:status': 103,
      'user:a-user:notifications': 103,
      own: 'ok',
    },
  },
  {
    name: 'tenant key of A broadcasts to tenant:A and tenant:B',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    async attack(env, row) {
      const res = await env.api(KEY_A, 'broadcast', {
        channels: ['tenant:A:deployments', 'tenant:B:deployments'],
        data: attackData(row.name),
      });
      const only = await env.api(KEY_A, 'broadcast', { channels: ['tenant:B:deployments'], data: attackData(row.name, 1) });
      // Broadcast answers per channel, as Centrifugo's does: the foreign channel's slot is 103
      // and the own one is published (a whole-call 103 would show as a number here).
      const norm = (r) => {
        if (r.json?.error) return r.json.error.code;
        const rs = r.json?.result?.responses;
        assert.ok(Array.isArray(rs), `broadcast answer ${r.text}`);
        return rs.map((x) => (x.error ? x.error.code : 'ok'));
      };
      return { outcome: { mixed: norm(res), onlyForeign: norm(only) }, raw: [res.text, only.text] };
    },
    expect: { mixed: ['ok', 103], onlyForeign: [103] },
  },
  {
    name: 'tenant key of A: history, presence, presence_stats, history_remove of tenant:B:deployments',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    async attack(env) {
      // Something in B's history first (published by the platform, not the attack).
      const seed = await cent(env.server).publish({ channel: 'tenant:B:deployments', data: { type: 'seed' } });
      assert.ok(seed.offset > 0);
      const codes = {};
      for (const method of ['history', 'presence', 'presence_stats', 'history_remove']) {
        const res = await env.api(KEY_A, method, { channel: 'tenant:B:deployments', limit: 10 });
        codes[method] = res.json;
      }
      const hist = await cent(env.server).getHistory({ channel: 'tenant:B:deployments', limit: 10 });
      return { outcome: { ...codes, historyIntact: hist.publications.some((p) => p.data.type === 'seed') } };
    },
    expect: {
      history: { error: { code: 103, message: 'permission denied' } },
      presence: { error: { code: 103, message: 'permission denied' } },
      presence_stats: { error: { code: 103, message: 'permission denied' } },
      history_remove: { error: { code: 103, message: 'permission denied' } },
      historyIntact: true,
    },
  },
  {
    name: 'tenant key of A server-side subscribes its own user to tenant:B:deployments',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    async attack(env) {
      const spy = await env.raw({ user: 'a-spy', tenant: 'A', roles: ['tenant_user'] });
      const res = await env.api(KEY_A, 'subscribe', { user: 'a-spy', channel: 'tenant:B:deployments' });
      return { outcome: res.json, leaks: [spy] };
    },
    expect: { error: { code: 103, message: 'permission denied' } },
  },
  {
    name: 'tenant key of A unsubscribes tenant B\'s user from tenant:B:deployments',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    observer: { user: 'b-obs', tenant: 'B', roles: ['tenant_user'] },
    async attack(env) {
      const res = await env.api(KEY_A, 'unsubscribe', { user: 'b-obs', channel: 'tenant:B:deployments' });
      return { outcome: res.json };
    },
    expect: { error: { code: 103, message: 'permission denied' } },
  },
  {
    name: 'tenant key of A: disconnect, refresh, channels, info',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    observer: { user: 'b-obs2', tenant: 'B', roles: ['tenant_user'] },
    async attack(env) {
      const out = {};
      out.disconnect = (await env.api(KEY_A, 'disconnect', { user: 'b-obs2' })).json;
      out.refresh = (await env.api(KEY_A, 'refresh', { user: 'b-obs2', expired: true })).json;
      out.channels = (await env.api(KEY_A, 'channels', {})).json;
      out.info = (await env.api(KEY_A, 'info', {})).json;
      // Even about its own tenant's users.
      out.disconnectOwn = errCode(await env.api(KEY_A, 'disconnect', { user: 'a-user' }));
      out.channelsOwnPattern = errCode(await env.api(KEY_A, 'channels', { pattern: 'tenant:A:*' }));
      return { outcome: out };
    },
    expect: {
      disconnect: { error: { code: 103, message: 'permission denied' } },
      refresh: { error: { code: 103, message: 'permission denied' } },
      channels: { error: { code: 103, message: 'permission denied' } },
      info: { error: { code: 103, message: 'permission denied' } },
      disconnectOwn: 103,
      channelsOwnPattern: 103,
    },
  },
  {
    name: 'tenant key of A: /api/batch and the legacy /api pipeline are checked item by item',
    group: 'tenancy',
    target: 'tenant:B:deployments',
    async attack(env, row) {
      const own = await env.observe('tenant:A:deployments', TA_USER);
      const res = await env.api(KEY_A, 'batch', {
        commands: [
          { publish: { channel: 'tenant:A:deployments', data: { type: 'batch-own', n: 1 } } },
          { publish: { channel: 'tenant:B:deployments', data: attackData(row.name, 1) } },
          { history: { channel: 'tenant:B:deployments', limit: 5 } },
          { info: {} },
          { publish: { channel: 'tenant:A:deployments', data: { type: 'batch-own', n: 2 } } },
        ],
      });
      assert.equal(res.status, 200, res.text);
      const slots = res.json.replies.map((x) => (x.error ? x.error.code : Object.keys(x)[0]));
      const foreign = res.json.replies[1];
      // The legacy newline pipeline (cent.js pipeline()).
      const body = [
        { method: 'publish', params: { channel: 'tenant:A:deployments', data: { type: 'batch-own', n: 3 } } },
        { method: 'publish', params: { channel: 'tenant:B:deployments', data: attackData(row.name, 2) } },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n');
      const legacy = await apiPost(env.server, '', body, { headers: { 'X-API-Key': KEY_A } });
      const legacySlots = legacy.text.split('\n').map((l) => {
        const o = JSON.parse(l);
        return o.error ? o.error.code : 'ok';
      });
      await own.pubs.until(3);
      return {
        outcome: { slots, foreign, legacySlots, ownDelivered: own.pubs.items.map((p) => p.data.n) },
      };
    },
    expect: {
      slots: ['publish', 103, 103, 103, 'publish'],
      foreign: { error: { code: 103, message: 'permission denied' } },
      legacySlots: ['ok', 103],
      ownDelivered: [1, 2, 3],
    },
  },
  {
    name: 'tenant id injection: tenantId "123:*", "123:x", "*", "1#2", sub "a b", sub "x:y"',
    group: 'tenancy',
    target: 'tenant:123:deployments',
    async attack(env) {
      const bad = [
        { user: 'inj-1', tenant: '123:*' },
        { user: 'inj-2', tenant: '123:x' },
        { user: 'inj-3', tenant: '*' },
        { user: 'inj-4', tenant: '1#2' },
        { user: 'a b', tenant: '123' },
        { user: 'x:y', tenant: '123' },
      ];
      const outcome = {};
      const leaks = [];
      for (const id of bad) {
        // With `channels` the token would also subscribe server-side, if it were accepted.
        const a = await attemptConnect(env.server.wsUrl, env.token({ ...id, roles: ['tenant_admin'] }, { channels: ['tenant:123:deployments'] }));
        outcome[`${id.user}|${id.tenant}`] = connectOutcome(a);
        leaks.push(a.r);
      }
      return { outcome, leaks };
    },
    expect: Object.fromEntries(
      ['inj-1|123:*', 'inj-2|123:x', 'inj-3|*', 'inj-4|1#2', 'a b|123', 'x:y|123'].map((k) => [
        k,
        { close: 3500, reason: 'invalid token', replies: 0 },
      ]),
    ),
  },
  {
    name: 'connection quota (override): tenant Q (max 2) third connect closes 3504; a freed slot is reused',
    group: 'tenancy',
    target: 'tenant:Q:deployments',
    observer: { user: 'q-1', tenant: 'Q', roles: ['tenant_user'] }, // Q's connection #1
    async attack(env) {
      const second = await env.raw({ user: 'q-2', tenant: 'Q', roles: ['tenant_user'] });
      const third = await attemptConnect(env.server.wsUrl, env.token({ user: 'q-3', tenant: 'Q', roles: ['tenant_admin'] }, { channels: ['tenant:Q:deployments'] }));
      const extra = connectOutcome(third);
      await second.close();
      await sleep(300);
      const again = await attemptConnect(env.server.wsUrl, env.token({ user: 'q-4', tenant: 'Q', roles: ['tenant_user'] }));
      return { outcome: { extra, afterOneLeft: connectOutcome(again) }, leaks: [third.r] };
    },
    expect: { extra: { close: 3504, reason: 'connection limit', replies: 0 }, afterOneLeft: 'accepted' },
  },
  {
    name: 'connection quota (global): tenant G without override (global max 3) fourth connect closes 3504',
    group: 'tenancy',
    target: 'tenant:G:deployments',
    observer: { user: 'g-1', tenant: 'G', roles: ['tenant_user'] },
    async attack(env) {
      await env.raw({ user: 'g-2', tenant: 'G', roles: ['tenant_user'] });
      await env.raw({ user: 'g-3', tenant: 'G', roles: ['tenant_user'] });
      const fourth = await attemptConnect(env.server.wsUrl, env.token({ user: 'g-4', tenant: 'G', roles: ['tenant_admin'] }, { channels: ['tenant:G:deployments'] }));
      // Connections without a tenant (admin) are not counted against anyone.
      const admin = await attemptConnect(env.server.wsUrl, env.token({ user: 'g-admin', roles: ['admin'] }));
      return { outcome: { fourth: connectOutcome(fourth), admin: connectOutcome(admin) }, leaks: [fourth.r] };
    },
    expect: { fourth: { close: 3504, reason: 'connection limit', replies: 0 }, admin: 'accepted' },
  },
  {
    name: 'tenant publish rate: tenant P (5/s) shared by API and client publishes → 111',
    group: 'tenancy',
    target: 'tenant:P:deployments',
    observer: { user: 'p-obs', tenant: 'P', roles: ['tenant_user'] },
    async attack(env, row) {
      const pub = await env.raw({ user: 'p-admin', tenant: 'P', roles: ['tenant_admin'] });
      const answers = [];
      const admitted = [];
      const t0 = Date.now();
      const viaApi = async (n) => {
        const res = await apiPost(env.server, 'publish', { channel: 'tenant:P:deployments', data: attackData(row.name, n) });
        answers.push(res.json.error ? { n, via: 'api', error: res.json.error } : { n, via: 'api', ok: true });
      };
      const viaClient = async (n) => {
        const reply = await pub.request('publish', { channel: 'tenant:P:deployments', data: attackData(row.name, n) });
        answers.push(reply.error ? { n, via: 'client', error: reply.error } : { n, via: 'client', ok: true });
      };
      for (const n of [1, 2, 3]) await viaApi(n);
      for (const n of [4, 5, 6, 7, 8]) await viaClient(n);
      for (const n of [9, 10]) await viaApi(n);
      const elapsed = Date.now() - t0;
      for (const a of answers) if (a.ok) admitted.push(a.n);
      // The bucket holds 5; in `elapsed` ms it refilled elapsed*5/1000 tokens at most.
      const allowance = 5 + Math.floor((elapsed * 5) / 1000);
      assert.ok(admitted.length >= 5 && admitted.length <= allowance, `admitted ${admitted} in ${elapsed} ms`);
      const refused = answers.filter((a) => !a.ok);
      // Another tenant is not affected by P's bucket.
      const other = await apiPost(env.server, 'publish', { channel: 'tenant:A:deployments', data: { type: 'other' } });
      return {
        outcome: {
          firstFive: answers.slice(0, 5).map((a) => !!a.ok),
          lastApi: answers.slice(-1)[0].error ?? 'ok',
          clientError: refused.find((a) => a.via === 'client')?.error ?? null,
          refusedCodes: [...new Set(refused.map((a) => a.error.code))],
          otherTenant: errCode(other),
          open: pub.isOpen,
        },
        admitted,
        refusedCount: refused.length,
        sentinelDelayMs: 1300,
        leaks: [],
      };
    },
    expect: {
      firstFive: [true, true, true, true, true],
      lastApi: { code: 111, message: 'too many requests' },
      clientError: { code: 111, message: 'too many requests', temporary: true },
      refusedCodes: [111],
      otherTenant: 'ok',
      open: true,
    },
  },
  {
    name: 'channel rate limit: rate_limits tenant:*:dashboard 2/s → 111, each channel its own bucket',
    group: 'tenancy',
    target: 'tenant:A:dashboard',
    async attack(env, row) {
      const codes = [];
      const admitted = [];
      for (const n of [1, 2, 3, 4]) {
        const res = await apiPost(env.server, 'publish', { channel: 'tenant:A:dashboard', data: attackData(row.name, n) });
        codes.push(res.json.error ?? 'ok');
        if (!res.json.error) admitted.push(n);
      }
      const r = await env.raw(TA_ADMIN);
      const client = await r.request('publish', { channel: 'tenant:A:dashboard', data: attackData(row.name, 5) });
      const otherChannel = await apiPost(env.server, 'publish', { channel: 'tenant:B:dashboard', data: { type: 'b-dash' } });
      const unlimited = await apiPost(env.server, 'publish', { channel: 'tenant:A:billing', data: { type: 'a-billing' } });
      return {
        outcome: { api: codes, client: client.error, otherChannel: errCode(otherChannel), unlimited: errCode(unlimited) },
        admitted,
        sentinelDelayMs: 1300,
      };
    },
    expect: {
      api: ['ok', 'ok', { code: 111, message: 'too many requests' }, { code: 111, message: 'too many requests' }],
      client: { code: 111, message: 'too many requests', temporary: true },
      otherChannel: 'ok',
      unlimited: 'ok',
    },
  },
  {
    name: 'channel limit: a fourth subscription with client.channel_limit 3 → 106',
    group: 'tenancy',
    target: 'tenant:A:billing',
    async attack(env) {
      const r = await env.raw({ user: 'a-lim', tenant: 'A', roles: ['tenant_admin'] });
      const first = await clientCodes(r, 'subscribe', [{ channel: 'tenant:A:one' }, { channel: 'tenant:A:two' }, { channel: 'tenant:A:three' }]);
      const fourth = await r.request('subscribe', { channel: 'tenant:A:billing' });
      return { outcome: { first, fourth: fourth.error, open: r.isOpen }, leaks: [r] };
    },
    expect: { first: ['ok', 'ok', 'ok'], fourth: { code: 106, message: 'limit exceeded' }, open: true },
  },
  {
    name: 'oversize API publication: data over client.max_message_bytes (4096) → 107',
    group: 'tenancy',
    target: 'tenant:A:deployments',
    async attack(env, row) {
      const big = await apiPost(env.server, 'publish', { channel: 'tenant:A:deployments', data: attackData(row.name, 1, { pad: 'x'.repeat(5000) }) });
      const bigBroadcast = await apiPost(env.server, 'broadcast', { channels: ['tenant:A:deployments'], data: attackData(row.name, 2, { pad: 'x'.repeat(5000) }) });
      // Just under the limit is fine.
      const fits = await apiPost(env.server, 'publish', { channel: 'tenant:A:deployments', data: { type: 'fits', pad: 'y'.repeat(4000) } });
      return { outcome: { big: big.json, bigBroadcast: bigBroadcast.json, fits: errCode(fits) } };
    },
    expect: {
      big: { error: { code: 107, message: 'bad request' } },
      bigBroadcast: { error: { code: 107, message: 'bad request' } },
      fits: 'ok',
    },
  },
  {
    name: 'oversize client frame: a publish frame over client.max_message_bytes (4096) closes with 1009',
    group: 'tenancy',
    target: 'tenant:A:notifications',
    async attack(env, row) {
      const r = await env.raw(TA_ADMIN);
      const frame = JSON.stringify({ publish: { channel: 'tenant:A:notifications', data: attackData(row.name, 1, { pad: 'x'.repeat(5000) }) }, id: 9 });
      r.sendRaw(frame);
      const close = await r.waitClose();
      return { outcome: { code: close.code, replies: r.messages.filter((m) => m.id === 9).length } };
    },
    expect: { code: 1009, replies: 0 },
  },
  {
    name: 'foreign origin: upgrade with Origin https://evil.example → HTTP 403',
    group: 'tenancy',
    target: 'tenant:A:deployments',
    async attack(env) {
      const evil = await rawUpgrade(env.server.wsUrl, 'https://evil.example');
      const lookalike = await rawUpgrade(env.server.wsUrl, 'https://portal.example.evil.example');
      const allowed = await rawUpgrade(env.server.wsUrl, 'https://portal.example');
      return { outcome: { evil: evil.status, lookalike: lookalike.status, allowed: allowed.status } };
    },
    expect: { evil: 403, lookalike: 403, allowed: 101 },
  },

  // ---- tokens (audience, issuer, leeway 30 s, max_bytes 1024) --------------------------------
  {
    name: 'alg none (and NONE, and none with a signature) → close 3500',
    group: 'tokens',
    target: 'tenant:B:deployments',
    async attack(env) {
      const claims = env.claims({ user: 'evil', tenant: 'B', roles: ['admin'] }, { channels: ['tenant:B:deployments'] });
      const variants = {
        none: env.keep(makeNoneToken(claims)),
        NONE: env.keep(makeRawToken({ alg: 'NONE', typ: 'JWT' }, claims)),
        noneSigned: env.keep(makeRawToken({ alg: 'none', typ: 'JWT' }, claims, makeToken(env.server.secret, claims).split('.')[2])),
      };
      const outcome = {};
      const leaks = [];
      for (const [k, t] of Object.entries(variants)) {
        const a = await attemptConnect(env.server.wsUrl, t);
        outcome[k] = connectOutcome(a);
        leaks.push(a.r);
      }
      return { outcome, leaks };
    },
    expect: {
      none: { close: 3500, reason: 'invalid token', replies: 0 },
      NONE: { close: 3500, reason: 'invalid token', replies: 0 },
      noneSigned: { close: 3500, reason: 'invalid token', replies: 0 },
    },
  },
  {
    name: 'expired token (exp 120 s ago, beyond the 30 s leeway) → connect error 109',
    group: 'tokens',
    target: 'tenant:B:deployments',
    async attack(env) {
      const a = await attemptConnect(
        env.server.wsUrl,
        env.token({ user: 'k-exp', tenant: 'B', roles: ['tenant_user'] }, { iat: nowSec() - 3600, exp: nowSec() - 120, channels: ['tenant:B:deployments'] }),
      );
      return { outcome: { error: a.reply?.error ?? a.close }, leaks: [a.r] };
    },
    expect: { error: { code: 109, message: 'token expired' } },
  },
  {
    name: 'not-yet-valid token (nbf 300 s ahead, beyond the 30 s leeway) → connect error 109',
    group: 'tokens',
    target: 'tenant:B:deployments',
    async attack(env) {
      const a = await attemptConnect(
        env.server.wsUrl,
        env.token({ user: 'k-nbf', tenant: 'B', roles: ['tenant_user'] }, { nbf: nowSec() + 300, channels: ['tenant:B:deployments'] }),
      );
      return { outcome: { error: a.reply?.error ?? a.close }, leaks: [a.r] };
    },
    expect: { error: { code: 109, message: 'token expired' } },
  },
  {
    name: 'client.token.leeway 30s: a token expired 10 s ago, or with nbf 10 s ahead, is accepted',
    group: 'tokens',
    target: 'tenant:L:deployments',
    observer: { user: 'l-obs', tenant: 'L', roles: ['tenant_user'] },
    async attack(env) {
      const expired = await attemptConnect(env.server.wsUrl, env.token({ user: 'l-exp', tenant: 'L', roles: ['tenant_user'] }, { iat: nowSec() - 3600, exp: nowSec() - 10 }));
      const early = await attemptConnect(env.server.wsUrl, env.token({ user: 'l-nbf', tenant: 'L', roles: ['tenant_user'] }, { nbf: nowSec() + 10 }));
      return { outcome: { expired10sAgo: connectOutcome(expired), nbf10sAhead: connectOutcome(early) } };
    },
    expect: { expired10sAgo: 'accepted', nbf10sAhead: 'accepted' },
  },
  {
    name: 'audience configured: wrong aud, no aud, aud list without ours → close 3500 (list with ours accepted)',
    group: 'tokens',
    target: 'tenant:B:deployments',
    async attack(env) {
      const id = { user: 'k-aud', tenant: 'B', roles: ['tenant_user'] };
      const base = env.claims(id, { channels: ['tenant:B:deployments'] });
      const outcome = {};
      const leaks = [];
      const variants = {
        wrong: { ...base, aud: 'other-portal' },
        missing: (({ aud, ...rest }) => rest)(base),
        listWithout: { ...base, aud: ['a', 'b'] },
        listWith: { ...env.claims({ ...id, user: 'k-aud-ok' }), aud: ['other', AUD] },
      };
      for (const [k, claims] of Object.entries(variants)) {
        const a = await attemptConnect(env.server.wsUrl, env.sign(claims));
        outcome[k] = connectOutcome(a);
        if (k !== 'listWith') leaks.push(a.r);
      }
      return { outcome, leaks };
    },
    expect: {
      wrong: { close: 3500, reason: 'invalid token', replies: 0 },
      missing: { close: 3500, reason: 'invalid token', replies: 0 },
      listWithout: { close: 3500, reason: 'invalid token', replies: 0 },
      listWith: 'accepted',
    },
  },
  {
    name: 'issuer configured: wrong iss, no iss → close 3500',
    group: 'tokens',
    target: 'tenant:B:deployments',
    async attack(env) {
      const base = env.claims({ user: 'k-iss', tenant: 'B', roles: ['tenant_user'] }, { channels: ['tenant:B:deployments'] });
      const outcome = {};
      const leaks = [];
      const variants = { wrong: { ...base, iss: 'https://evil.example' }, missing: (({ iss, ...rest }) => rest)(base) };
      for (const [k, claims] of Object.entries(variants)) {
        const a = await attemptConnect(env.server.wsUrl, env.sign(claims));
        outcome[k] = connectOutcome(a);
        leaks.push(a.r);
      }
      return { outcome, leaks };
    },
    expect: {
      wrong: { close: 3500, reason: 'invalid token', replies: 0 },
      missing: { close: 3500, reason: 'invalid token', replies: 0 },
    },
  },
  {
    name: 'oversize token: longer than client.token.max_bytes (1024) → close 3500 (just under is accepted)',
    group: 'tokens',
    target: 'tenant:B:deployments',
    async attack(env) {
      // Pad `info` until the token is just over / just under 1024 bytes.
      const sized = (user, lo, hi, extra) => {
        for (let pad = 0; pad < 2000; pad++) {
          const claims = env.claims({ user, tenant: 'B', roles: ['tenant_user'] }, { info: { pad: 'p'.repeat(pad) }, ...extra });
          const t = makeToken(env.server.secret, claims);
          if (t.length >= lo && t.length <= hi) return env.keep(t);
        }
        throw new Error('could not size the token');
      };
      const over = sized('k-big', 1025, 1040, { channels: ['tenant:B:deployments'] });
      const under = sized('k-fit', 1000, 1024, {});
      const a = await attemptConnect(env.server.wsUrl, over);
      const b = await attemptConnect(env.server.wsUrl, under);
      // A subscription token over the limit (README: 103), for a channel of its own tenant that
      // its role (tenant_user) does not grant.
      let subToken;
      for (let pad = 0; !subToken || subToken.length <= 1024; pad += 50) {
        subToken = makeToken(env.server.secret, { sub: 'k-fit', channel: 'tenant:B:secret', aud: AUD, iss: ISS, exp: nowSec() + 3600, info: { pad: 'p'.repeat(pad) } });
      }
      env.keep(subToken);
      const subReply = await b.r.request('subscribe', { channel: 'tenant:B:secret', token: subToken });
      return {
        outcome: { over: connectOutcome(a), under: connectOutcome(b), sizes: [over.length > 1024, under.length <= 1024], subscriptionTokenOver: subReply.error },
        leaks: [a.r, b.r],
      };
    },
    expect: {
      over: { close: 3500, reason: 'invalid token', replies: 0 },
      under: 'accepted',
      sizes: [true, true],
      subscriptionTokenOver: { code: 103, message: 'permission denied' },
    },
  },
  {
    name: 'subscription token for another tenant\'s channel never opens it → 103',
    group: 'tokens',
    target: 'tenant:B:deployments',
    async attack(env) {
      const r = await env.raw({ user: 'a-subtok', tenant: 'A', roles: ['tenant_user'] });
      const subToken = env.sign({ sub: 'a-subtok', channel: 'tenant:B:deployments', aud: AUD, iss: ISS, exp: nowSec() + 3600 });
      const reply = await r.request('subscribe', { channel: 'tenant:B:deployments', token: subToken });
      return { outcome: { error: reply.error, open: r.isOpen }, leaks: [r] };
    },
    expect: { error: { code: 103, message: 'permission denied' }, open: true },
  },

  // ---- RSA only ------------------------------------------------------------------------------
  {
    name: 'HS/RS confusion: HS256/HS384/HS512 signed with the RSA public key PEM as HMAC secret → close 3500',
    group: 'rsa',
    target: 'tenant:B:deployments',
    async attack(env) {
      const claims = env.claims({ user: 'confused', tenant: 'B', roles: ['admin'] }, { channels: ['tenant:B:deployments'] });
      const variants = {
        HS256: env.keep(makeToken(rsa.publicKey, claims, 'HS256')),
        HS256trimmed: env.keep(makeToken(rsa.publicKey.trim(), claims, 'HS256')),
        HS512: env.keep(makeToken(rsa.publicKey, claims, 'HS512')),
        RS256otherKey: env.keep(makeRsaToken(otherRsa.privateKey, claims)),
      };
      const outcome = {};
      const leaks = [];
      for (const [k, t] of Object.entries(variants)) {
        const a = await attemptConnect(env.server.wsUrl, t);
        outcome[k] = connectOutcome(a);
        leaks.push(a.r);
      }
      return { outcome, leaks };
    },
    expect: {
      HS256: { close: 3500, reason: 'invalid token', replies: 0 },
      HS256trimmed: { close: 3500, reason: 'invalid token', replies: 0 },
      HS512: { close: 3500, reason: 'invalid token', replies: 0 },
      RS256otherKey: { close: 3500, reason: 'invalid token', replies: 0 },
    },
  },
  {
    name: 'RS256 signed with the configured key pair is accepted (and tenant rules still apply)',
    group: 'rsa',
    target: 'tenant:B:deployments',
    async attack(env) {
      const a = await attemptConnect(env.server.wsUrl, env.token({ user: 'rs-a', tenant: 'A', roles: ['tenant_user'] }));
      const own = await a.r.request('subscribe', { channel: 'tenant:A:deployments' });
      const foreign = await a.r.request('subscribe', { channel: 'tenant:B:deployments' });
      return { outcome: { connect: connectOutcome(a), own: own.subscribe ? 'ok' : own.error, foreign: foreign.error }, leaks: [a.r] };
    },
    expect: { connect: 'accepted', own: 'ok', foreign: { code: 103, message: 'permission denied' } },
  },

  // ---- command rate (2/s, burst 5) ----------------------------------------------------------
  {
    name: 'command rate: a burst of 10 commands with command_burst 5 → 5 ok, 5 × 111; the connection stays',
    group: 'commands',
    target: 'tenant:A:notifications',
    async attack(env, row) {
      const r = await env.raw(TA_ADMIN);
      const replies = await burst(
        r,
        Array.from({ length: 10 }, (_, i) => ({ publish: { channel: 'tenant:A:notifications', data: attackData(row.name, i + 1) } })),
      );
      const admitted = [];
      replies.forEach((rep, i) => rep.error || admitted.push(i + 1));
      await sleep(1100); // two tokens back
      const later = await r.request('presence_stats', { channel: 'tenant:A:notifications' });
      return {
        outcome: {
          codes: replies.map((rep) => (rep.error ? rep.error : 'ok')),
          open: r.isOpen,
          later: later.error ?? 'ok',
        },
        admitted,
      };
    },
    expect: {
      codes: [
        ...Array(5).fill('ok'),
        ...Array(5).fill({ code: 111, message: 'too many requests', temporary: true }),
      ],
      open: true,
      later: 'ok',
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Runner

async function runRow(env, row) {
  const observer = await env.observe(row.target, row.observer ?? ADMIN);
  const result = await row.attack(env, row);
  assert.deepEqual(result.outcome, row.expect, `${row.name}: outcome`);

  // Nothing from the attack reached the observer (apart from what was answered OK).
  await sleep(300);
  const admitted = new Set(result.admitted ?? []);
  const leaked = observer.pubs.items.map((p) => p.data).filter((d) => d.attack === row.name && !admitted.has(d.n));
  assert.deepEqual(leaked, [], `${row.name}: the observer on ${row.target} received attack publications`);
  const got = observer.pubs.items.filter((p) => p.data.attack === row.name).map((p) => p.data.n);
  assert.deepEqual(got, [...admitted].sort((a, b) => a - b), `${row.name}: the admitted publications, each once, in order`);

  // The sentinel proves the observer (and the channel) were live.
  if (result.sentinelDelayMs) await sleep(result.sentinelDelayMs);
  const sentinel = { type: 'sentinel', nonce: randomBytes(6).toString('hex') };
  const arrived = waitFor(observer.sub, 'publication', 5000, { predicate: (p) => p.data.nonce === sentinel.nonce });
  await cent(env.server).publish({ channel: row.target, data: sentinel });
  await arrived;
  await sleep(200);
  for (const leak of result.leaks ?? []) {
    assert.deepEqual(leak.pushes(row.target), [], `${row.name}: an attacker socket received pushes for ${row.target}`);
  }
  assert.equal(observer.client.state, 'connected', `${row.name}: observer state`);
  assert.equal(observer.reconnects, 0, `${row.name}: the observer reconnected`);
  assert.equal(observer.resubscribes, 0, `${row.name}: the observer resubscribed`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Audit expectations per group (exact lines), checked after the group's rows ran.

const AUDIT = {
  tenancy: (env, results) => [
    { match: { action: 'subscribe', user: 'a-sub', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
    { match: { action: 'publish', user: 'a-pub', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
    { match: { action: 'api:publish', user: '', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, min: 2 },
    { match: { action: 'api:publish', tenant: 'A', channel: 'admin:alerts', code: 103 }, count: 1 },
    { match: { action: 'api:publish', tenant: 'A', channel: 'tenant:A:deployments', code: 0 }, min: 1 },
    { match: { action: 'api:history', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, min: 1 },
    { match: { action: 'api:presence', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
    { match: { action: 'api:history_remove', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
    { match: { action: 'api:subscribe', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
    { match: { action: 'api:unsubscribe', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
    { match: { action: 'api:disconnect', tenant: 'A', code: 103 }, count: 2 },
    { match: { action: 'api:refresh', tenant: 'A', code: 103 }, count: 1 },
    { match: { action: 'api:channels', tenant: 'A', code: 103 }, count: 2 },
    { match: { action: 'api:info', tenant: 'A', code: 103 }, min: 2 },
    { match: { action: 'api:batch', tenant: 'A' }, count: 1 },
    // Six injected identities, six refused connects (and no other 3500 on this server).
    { match: { action: 'connect', code: 3500 }, count: 6 },
    { match: { action: 'quota:tenant_connections', user: 'q-3', tenant: 'Q', code: 3504 }, count: 1 },
    { match: { action: 'quota:tenant_connections', user: 'g-4', tenant: 'G', code: 3504 }, count: 1 },
    { match: { action: 'quota:tenant_connections' }, count: 2 },
    {
      match: { action: 'quota:tenant_publish_rate', channel: 'tenant:P:deployments', code: 111 },
      // One line per refused publication (at least the 5 of the burst when that row failed).
      ...(() => {
        const r = [...results.entries()].find(([k]) => k.startsWith('tenant publish rate'));
        return r ? { count: r[1].refusedCount } : { min: 5 };
      })(),
    },
    // The refused client publications (6, 7, 8) name the connection's user and tenant; the
    // refused master-key API ones (9, 10) have no caller tenant (the channel names tenant P).
    { match: { action: 'quota:tenant_publish_rate', user: 'p-admin', tenant: 'P', channel: 'tenant:P:deployments', code: 111 }, min: 1 },
    { match: { action: 'quota:tenant_publish_rate', user: '', channel: 'tenant:P:deployments', code: 111 }, min: 1 },
    { match: { action: 'quota:channel_rate', channel: 'tenant:A:dashboard', code: 111 }, count: 3 },
    { match: { action: 'quota:channel_rate', user: 'a-admin', tenant: 'A', channel: 'tenant:A:dashboard', code: 111 }, count: 1 },
    { match: { action: 'quota:channel_limit', user: 'a-lim', tenant: 'A', channel: 'tenant:A:billing', code: 106 }, count: 1 },
  ],
  tokens: () => [
    // alg none ×3, audience ×3, issuer ×2, oversize ×1.
    { match: { action: 'connect', code: 3500 }, count: 9 },
    { match: { action: 'connect', user: 'k-exp', tenant: 'B', code: 109 }, count: 1 },
    { match: { action: 'connect', user: 'k-nbf', tenant: 'B', code: 109 }, count: 1 },
    { match: { action: 'subscribe', user: 'a-subtok', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
  ],
  rsa: () => [
    { match: { action: 'connect', code: 3500 }, count: 4 },
    { match: { action: 'subscribe', user: 'rs-a', tenant: 'A', channel: 'tenant:B:deployments', code: 103 }, count: 1 },
  ],
  // README: quota:command_rate is written once per episode of a connection being limited (the
  // burst's five refusals are one episode).
  commands: () => [{ match: { action: 'quota:command_rate', user: 'a-admin', tenant: 'A', code: 111 }, count: 1 }],
};

// ---------------------------------------------------------------------------------------------

for (const [groupName, group] of Object.entries(GROUPS)) {
  describe(`security: ${group.title}`, () => {
    const ctx = useServer(group.config);
    const startedAt = Date.now();
    let env;
    const results = new Map();
    const rows = ROWS.filter((r) => r.group === groupName);

    for (const row of rows) {
      it(row.name, T, async () => {
        env ??= makeEnv(group, ctx.server);
        results.set(row.name, await runRow(env, row));
      });
    }

    it('audit log: one JSON line per denial, tenant-key call and quota hit; no token, secret or key', T, async () => {
      env ??= makeEnv(group, ctx.server);
      const expectations = AUDIT[groupName](env, results);
      const log = await expectAudit(group.config.audit.file, expectations, 3000);
      assertAuditShape(log, { since: startedAt });
      assertNoSecrets(log.text, {
        secrets: [ctx.server.secret, ctx.server.apiKey, KEY_A, KEY_B, rsa.privateKey.split('\n')[1]],
        tokens: [...env.tokens],
      });
    });

    it('the server exits 0 on SIGTERM without sanitizer reports', T, async () => {
      assertCleanExit(await ctx.server.stop());
    });
  });
}
