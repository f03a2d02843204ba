// Shared helpers for the neo-events black-box integration suite.
//
// Every test file starts one real `neo-events serve` process (useServer), drives it with the
// official centrifuge-js SDK and cent.js exactly as the portals and backends do, and drops to
// raw WebSocket frames (rawWs) where the exact wire codes matter. Nothing here knows anything
// about the server's internals: only its config file, its ports and its stdout/stderr.
//
// Run: NEO_EVENTS_BIN=build/asan/src/cli/neo-events node --test --test-concurrency=1 tests/integration/

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startRedis } from './redis.mjs';
import { freePort } from './support/ports.mjs';
import { after, afterEach, before, beforeEach } from 'node:test';

import { CentClient } from 'cent.js';
import WebSocket from 'ws';

import { CLIENT_TRANSPORT, Centrifuge, PROTOCOL, clientEndpoint } from './support/protocol.mjs';

export { Centrifuge, CentClient, CLIENT_TRANSPORT, PROTOCOL, WebSocket, freePort };

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(
  REPO_ROOT,
  process.env.NEO_EVENTS_BIN || path.join('build', 'asan', 'src', 'cli', 'neo-events'),
);

/** Per-test timeout (ms): every `it` in the suite passes this. */
export const TEST_TIMEOUT = 10_000;
/** Default wait for one expected event. */
export const EVENT_TIMEOUT = 5_000;

const SANITIZER_MARKERS = [
  'ERROR: AddressSanitizer',
  'ERROR: LeakSanitizer',
  'runtime error:',
  'WARNING: ThreadSanitizer:', // the TSan build (scripts/test.sh runs the suite with it too)
];

// ---------------------------------------------------------------------------------------------
// Config

/** The NEO_STACK namespaces and roles of spec §4, verbatim. */
export const NAMESPACES = [
  {
    name: 'tenant',
    history_size: 10,
    history_ttl: '1h',
    force_recovery: true,
    presence: true,
    join_leave: true,
  },
  { name: 'admin', history_size: 100, history_ttl: '1h' },
  { name: 'system' },
  { name: 'user', history_size: 50, history_ttl: '24h', force_recovery: true },
  { name: 'certification', presence: true, join_leave: true, history_size: 10, history_ttl: '1h' },
];

/** NAMESPACES with validate_events on where genconfig turns it on (tenant, admin, user). */
export const VALIDATED_NAMESPACES = NAMESPACES.map((ns) => ({
  ...ns,
  validate_events: ['tenant', 'admin', 'user'].includes(ns.name),
}));

export const ROLES = {
  admin: {
    subscribe: ['admin:*', 'tenant:*', 'system:*'],
    publish: ['admin:*', 'tenant:*', 'system:*'],
  },
  tenant_admin: {
    subscribe: ['tenant:{tenant_id}:*', 'user:{user_id}:*'],
    publish: ['tenant:{tenant_id}:*'],
  },
  tenant_user: {
    subscribe: [
      'tenant:{tenant_id}:dashboard',
      'tenant:{tenant_id}:notifications',
      'tenant:{tenant_id}:billing',
      'tenant:{tenant_id}:deployments',
      'user:{user_id}:*',
      'certification:timer:{user_id}',
      'certification:results:{user_id}',
    ],
    publish: ['tenant:{tenant_id}:notifications'],
  },
};

export function baseConfig({ port, secret, apiKey }) {
  return {
    http: { listen: `127.0.0.1:${port}`, allowed_origins: ['*'] },
    client: { token: { hmac_secret: secret }, ping_interval: '25s', pong_timeout: '8s' },
    api: { key: apiKey },
    engine: { type: 'memory' },
    namespaces: structuredClone(NAMESPACES),
    roles: structuredClone(ROLES),
    log: { level: 'info', format: 'text' },
    // Stop at once when a test file ends; shutdown.test.mjs tests the drain and the spread.
    shutdown: { drain_delay: '0s', spread: '0s' },
  };
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, anything else (arrays included) replaces. */
export function deepMerge(base, override) {
  if (!isPlainObject(base) || !isPlainObject(override)) return structuredClone(override);
  const out = structuredClone(base);
  for (const [k, v] of Object.entries(override)) {
    out[k] = k in out && isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : structuredClone(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server process

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `neo-events serve -c <tmp>/neo-events.yaml` on a free loopback port and waits for
 * GET /health to answer 200. `overrides` is deep-merged over the base config.
 */
export async function startServer(overrides = {}, { onSpawn } = {}) {
  if (!existsSync(BIN)) {
    throw new Error(`neo-events binary not found at ${BIN}; build it (cmake --build build/asan) or set NEO_EVENTS_BIN`);
  }
  const port = await freePort();
  const secret = randomBytes(24).toString('hex');
  const apiKey = randomBytes(24).toString('hex');
  const config = deepMerge(baseConfig({ port, secret, apiKey }), overrides);
  // NEO_TEST_ENGINE=redis runs the same suite on the Redis engine, one redis-server per server.
  let redis = null;
  if (process.env.NEO_TEST_ENGINE === 'redis' && !(overrides.engine && overrides.engine.type)) {
    redis = await startRedis();
    config.engine = { type: 'redis', redis: { addresses: [redis.url], prefix: 'it' } };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-it-'));
  const configFile = path.join(dir, 'neo-events.yaml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  const server = spawnServer(['serve', '-c', configFile], {
    cwd: dir,
    cleanup: async () => {
      if (redis) await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  // With http.tls the one listener speaks https and wss only (tests/integration/tls.test.mjs).
  const tls = Boolean(config.http?.tls?.cert_file);
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  Object.assign(server, {
    port,
    url,
    wsUrl: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/connection/websocket`,
    apiUrl: `${url}/api`,
    secret,
    apiKey,
    config,
    configFile,
  });
  onSpawn?.(server); // e.g. to watch its output before it is serving
  await waitServing(server, url, 'neo-events');
  return server;
}

/**
 * Spawns `neo-events <args>` in `cwd`. The server reads NEO_EVENTS_* as config overrides (and
 * rejects unknown keys), so none of ours (NEO_EVENTS_BIN, a developer's NEO_EVENTS_API_KEY, ...)
 * leaks into it; `env` adds the ones wanted. stop() sends SIGTERM (SIGKILL after 10 s), runs
 * `cleanup` and resolves {code, signal, ms, killed, exitedBeforeStop, stdout, stderr, output}.
 */
export function spawnServer(args, { cwd, env: wanted = {}, cleanup = async () => {} }) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NEO_EVENTS_')) env[k] = v;
  Object.assign(env, wanted);
  const child = spawn(BIN, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let output = ''; // both streams, in arrival order
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    stdout += d;
    output += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    output += d;
  });
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve((exitInfo = { code, signal, at: Date.now() })));
    child.on('error', (error) => resolve((exitInfo = { code: null, signal: null, error, at: Date.now() })));
  });
  // 'exit' can fire before the pipes are drained; 'close' fires after.
  const closed = new Promise((resolve) => child.on('close', resolve));
  // Never leave a server behind if this test process ends without stop() (crash, Ctrl-C).
  const reap = () => {
    if (!exitInfo) child.kill('SIGKILL');
  };
  process.once('exit', reap);
  exited.then(() => process.off('exit', reap));

  const proc = {
    pid: child.pid,
    get output() {
      return output;
    },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get exited() {
      return exitInfo;
    },
    stopResult: null,
    async stop() {
      if (proc.stopResult) return proc.stopResult;
      let killed = false;
      const t0 = Date.now();
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
      await Promise.race([closed, sleep(1000)]);
      proc.stopResult = {
        code: exitInfo.code,
        signal: exitInfo.signal,
        ms: exitInfo.at - t0,
        killed,
        exitedBeforeStop: exitInfo.at < t0,
        stdout,
        stderr,
        output,
      };
      try {
        await cleanup();
      } catch {
        /* best effort */
      }
      return proc.stopResult;
    },
  };
  return proc;
}

/**
 * Waits (15 s at most) until `ready()` holds and GET /health answers 200; stops the server and
 * throws if it exits first or the time runs out.
 */
export async function waitServing(server, url, what, ready = () => true) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const info = server.exited;
    if (info) {
      await server.stop();
      throw new Error(
        `${what} exited during start-up (code ${info.code}, signal ${info.signal}` +
          `${info.error ? `, ${info.error.message}` : ''})\n--- output ---\n${server.output}`,
      );
    }
    if (ready()) {
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${what}: not serving (GET /health 200) within 15 s\n--- output ---\n${server.output}`);
    }
    await sleep(50);
  }
}

/** Asserts a stop() result: exit code 0 within 10 s, no sanitizer report. */
export function assertCleanExit(result) {
  const tail = `\n--- server output (tail) ---\n${tailLines(result.output, 80)}`;
  assert.equal(result.exitedBeforeStop, false, `server had already exited before SIGTERM${tail}`);
  assert.equal(result.killed, false, `server did not exit within 10 s of SIGTERM (SIGKILLed)${tail}`);
  assert.equal(result.signal, null, `server died from signal ${result.signal}${tail}`);
  assert.equal(result.code, 0, `server exit code ${result.code}, expected 0${tail}`);
  assertNoSanitizerReport(result);
}

/** Asserts that the server's stderr holds no sanitizer report (the first one is shown). */
export function assertNoSanitizerReport(result) {
  for (const marker of SANITIZER_MARKERS) {
    const at = result.stderr.indexOf(marker);
    assert.ok(at < 0, `server stderr contains "${marker}":\n${result.stderr.slice(Math.max(0, at - 200), at + 8000)}`);
  }
}

function tailLines(text, n) {
  const lines = text.split('\n');
  return lines.slice(Math.max(0, lines.length - n)).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Per-file lifecycle: one server per test file, per-test client cleanup, logs on failure.

const tracked = new Set(); // things with close(): centrifuge clients, raw sockets

export function track(thing) {
  tracked.add(thing);
  return thing;
}

export async function closeTracked() {
  const items = [...tracked];
  tracked.clear();
  await closeAll(items);
}

/** Closes clients (centrifuge-js, raw sockets, anything with close()), best effort, at once. */
export async function closeAll(items) {
  await Promise.all(
    items.map(async (item) => {
      try {
        if (item instanceof Centrifuge) {
          item.removeAllListeners();
          item.on('error', () => {});
          item.disconnect();
        } else if (typeof item.close === 'function') {
          await item.close();
        }
      } catch {
        /* best effort */
      }
    }),
  );
}

/**
 * Registers before/after hooks starting one server for the whole file. Returns a holder whose
 * `server` is set once `before` ran. On a failed test the server output written during that
 * test is printed to stderr.
 */
export function useServer(overrides = {}) {
  const holder = { server: null };
  let mark = 0;
  before(async () => {
    holder.server = await startServer(overrides);
  });
  beforeEach(() => {
    mark = holder.server ? holder.server.output.length : 0;
  });
  afterEach(async (t) => {
    await closeTracked();
    if (t && t.passed === false && holder.server) {
      const server = holder.server;
      const out = server.output.slice(mark);
      let state;
      if (server.exited && !server.stopResult) {
        state = `neo-events EXITED during the test (code ${server.exited.code}, signal ${server.exited.signal})`;
      } else if (!server.stopResult) {
        const health = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => `HTTP ${r.status}`,
          (e) => `no answer (${e.message})`,
        );
        state = `neo-events still running; GET /health: ${health}`;
      } else {
        state = 'neo-events already stopped';
      }
      process.stderr.write(
        `\n--- ${state}; its output during "${t.name}" (last 150 lines) ---\n${tailLines(out, 150)}\n--- end ---\n`,
      );
    }
  });
  after(async () => {
    await closeTracked();
    // A file that did not check the exit itself still must not leave a sanitizer report behind.
    if (holder.server && !holder.server.stopResult) assertNoSanitizerReport(await holder.server.stop());
  });
  return holder;
}

// ---------------------------------------------------------------------------------------------
// Tokens

const HMAC_ALGS = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A compact JWS signed with HMAC (HS256/HS384/HS512). */
export function makeToken(secret, claims, alg = 'HS256') {
  const hash = HMAC_ALGS[alg];
  if (!hash) throw new Error(`makeToken: unsupported alg ${alg}`);
  const signingInput = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`;
  const sig = createHmac(hash, secret).update(signingInput).digest('base64url');
  return `${signingInput}.${sig}`;
}

/** An unsigned `alg: none` token (must always be refused). */
export function makeNoneToken(claims) {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

export const nowSec = () => Math.floor(Date.now() / 1000);

/** Claims in the NEO_STACK shape: sub, tenantId, roles, exp (1 h unless given). */
export function claimsFor({ user, tenant, roles = [], ttl = 3600, ...extra }) {
  const claims = { sub: user, roles, iat: nowSec(), exp: nowSec() + ttl, ...extra };
  if (tenant !== undefined) claims.tenantId = tenant;
  return claims;
}

/** A valid connection token for `server`. */
export function tokenFor(server, identity) {
  return makeToken(server.secret, claimsFor(identity));
}

// ---------------------------------------------------------------------------------------------
// Events

/**
 * Resolves with the first `event` payload for which `predicate` holds. Rejects after
 * `timeoutMs`, or at once when one of `failOn` events fires (with its payload in the message).
 */
export function waitFor(emitter, event, timeoutMs = EVENT_TIMEOUT, { predicate = () => true, failOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const cleanups = [];
    const done = (fn, v) => {
      for (const c of cleanups) c();
      fn(v);
    };
    const onEvent = (ctx) => {
      let ok;
      try {
        ok = predicate(ctx);
      } catch (e) {
        return done(reject, e);
      }
      if (ok) done(resolve, ctx);
    };
    emitter.on(event, onEvent);
    cleanups.push(() => emitter.off(event, onEvent));
    for (const bad of failOn) {
      const onBad = (ctx) => done(reject, new Error(`waiting for "${event}" but got "${bad}": ${safeJson(ctx)}`));
      emitter.on(bad, onBad);
      cleanups.push(() => emitter.off(bad, onBad));
    }
    const timer = setTimeout(
      () => done(reject, new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`)),
      timeoutMs,
    );
    cleanups.push(() => clearTimeout(timer));
  });
}

/** Records every payload of `event`; `until(n)` waits until at least n arrived. */
export function record(emitter, event) {
  const items = [];
  const waiters = new Set();
  const handler = (ctx) => {
    items.push(ctx);
    for (const w of [...waiters]) w();
  };
  emitter.on(event, handler);
  return {
    items,
    until(n, timeoutMs = EVENT_TIMEOUT) {
      return waitUntil(() => items.length >= n, timeoutMs, `${n} "${event}" events (got ${items.length})`, waiters);
    },
    stop() {
      emitter.off(event, handler);
    },
  };
}

function waitUntil(cond, timeoutMs, what, waiters, extraCheck) {
  return new Promise((resolve, reject) => {
    let timer = null;
    const check = () => {
      if (cond()) {
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      } else if (extraCheck) {
        const err = extraCheck();
        if (err) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(err);
        }
      }
    };
    timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

// ---------------------------------------------------------------------------------------------
// centrifuge-js helpers

/** A tracked centrifuge-js client (not yet connected). Errors are collected in `client.errors`. */
export function newClient(server, opts = {}) {
  const { endpoint, options } = clientEndpoint(server);
  const client = new Centrifuge(endpoint, {
    ...options,
    websocket: WebSocket,
    minReconnectDelay: 100,
    maxReconnectDelay: 1000,
    timeout: 5000,
    ...opts,
  });
  client.errors = [];
  client.on('error', (ctx) => client.errors.push(ctx));
  return track(client);
}

/** Connects a tracked client with a fresh token for `identity`; resolves {client, ctx}. */
export async function connectClient(server, identity, opts = {}) {
  const client = newClient(server, { token: tokenFor(server, identity), ...opts });
  const connected = waitFor(client, 'connected', EVENT_TIMEOUT, { failOn: ['disconnected'] });
  client.connect();
  const ctx = await connected;
  return { client, ctx };
}

/** A subscription with an error listener (an 'error' event without a listener would throw). */
export function newSub(client, channel, opts = {}) {
  const sub = client.newSubscription(channel, opts);
  sub.errors = [];
  sub.on('error', (ctx) => sub.errors.push(ctx));
  return sub;
}

/** Subscribes and waits for `subscribed`; rejects on `unsubscribed`. Resolves {sub, ctx}. */
export async function subscribe(client, channel, opts = {}) {
  const sub = newSub(client, channel, opts);
  const subscribed = waitFor(sub, 'subscribed', EVENT_TIMEOUT, { failOn: ['unsubscribed'] });
  sub.subscribe();
  const ctx = await subscribed;
  return { sub, ctx };
}

/** Subscribes and waits for `unsubscribed` (a refused subscription); resolves its ctx. */
export async function subscribeRefused(client, channel, opts = {}) {
  const sub = newSub(client, channel, opts);
  const unsubscribed = waitFor(sub, 'unsubscribed', EVENT_TIMEOUT, { failOn: ['subscribed'] });
  sub.subscribe();
  const ctx = await unsubscribed;
  client.removeSubscription(sub);
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// cent.js and raw HTTP

/**
 * cent.js exactly as shipped (same requests), except that a request the server never answers
 * fails after 5 s with a clear message instead of hanging until the test's own timeout.
 */
class CentClientWithDeadline extends CentClient {
  post(url, data) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`cent.js: no HTTP response from ${url} within ${EVENT_TIMEOUT} ms`)),
        EVENT_TIMEOUT,
      );
      super.post(url, data).then(
        (res) => {
          clearTimeout(timer);
          resolve(res);
        },
        (err) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}

export function cent(server, apiKey = server.apiKey) {
  return new CentClientWithDeadline({ url: server.apiUrl, apiKey });
}

/**
 * POST {apiUrl}/{method} with `body` (object → JSON, string sent as is). `headers` replace the
 * default X-API-Key header when given. Resolves {status, contentType, text, json}.
 */
export async function apiPost(server, method, body, { headers, httpMethod = 'POST' } = {}) {
  const target = method ? `${server.apiUrl}/${method}` : server.apiUrl;
  const res = await fetch(target, {
    method: httpMethod,
    headers: headers ?? { 'Content-Type': 'application/json', 'X-API-Key': server.apiKey },
    body:
      httpMethod === 'GET' || httpMethod === 'HEAD'
        ? undefined
        : typeof body === 'string'
          ? body
          : JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

// ---------------------------------------------------------------------------------------------
// Raw protocol client

/**
 * Opens a plain `ws` WebSocket (no subprotocol, like centrifuge-js's JSON client) and collects
 * every incoming frame, split on "\n" and parsed. Pings (`{}`) are counted and, with
 * `autoPong`, answered with `{}` at once. Unparseable lines end up in `badLines`.
 */
export function rawWs(url, { autoPong = false, protocols, headers } = {}) {
  const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false, handshakeTimeout: EVENT_TIMEOUT });
  const waiters = new Set();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const r = {
    ws,
    frames: [], // raw text of each frame
    messages: [], // parsed non-ping objects, in order
    badLines: [],
    pings: 0,
    pingTimes: [],
    closeInfo: null, // {code, reason}
    errors: [],
    nextId: 1,
    autoPong,
    opened: null,
    closed: null,
    send(obj) {
      ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
    },
    sendRaw(data) {
      ws.send(data);
    },
    /** Sends {<method>: params, id} and resolves the reply with that id (whole reply object). */
    async request(method, params = {}, timeoutMs = EVENT_TIMEOUT) {
      const id = r.nextId++;
      r.send({ [method]: params, id });
      return r.reply(id, timeoutMs);
    },
    /** Resolves the reply with `id`; rejects if the socket closes first. */
    async reply(id, timeoutMs = EVENT_TIMEOUT) {
      const find = () => r.messages.find((m) => m.id === id);
      await r.waitUntil(() => find() !== undefined, timeoutMs, `reply id ${id}`, { failOnClose: true });
      return find();
    },
    /** Connect command; resolves the whole reply. */
    connect(token, extra = {}) {
      return r.request('connect', token === undefined ? { ...extra } : { token, ...extra });
    },
    /** Waits until a parsed message satisfies `pred`; resolves it. */
    async message(pred, timeoutMs = EVENT_TIMEOUT, what = 'a matching message') {
      await r.waitUntil(() => r.messages.some(pred), timeoutMs, what, { failOnClose: true });
      return r.messages.find(pred);
    },
    pushes(channel) {
      return r.messages
        .filter((m) => m.push && (channel === undefined || m.push.channel === channel))
        .map((m) => m.push);
    },
    waitUntil(cond, timeoutMs, what, { failOnClose = false } = {}) {
      return waitUntil(
        cond,
        timeoutMs,
        () => `${what} (closed: ${safeJson(r.closeInfo)}, received: ${safeJson(r.messages).slice(0, 500)})`,
        waiters,
        failOnClose
          ? () =>
              r.closeInfo
                ? new Error(
                    `socket closed (${r.closeInfo.code} "${r.closeInfo.reason}") while waiting for ${what}; received: ${safeJson(r.messages).slice(0, 500)}`,
                  )
                : null
          : undefined,
      );
    },
    /** Resolves {code, reason} once closed; rejects after timeoutMs. */
    async waitClose(timeoutMs = EVENT_TIMEOUT) {
      await r.waitUntil(() => r.closeInfo !== null, timeoutMs, 'the socket to close');
      return r.closeInfo;
    },
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      if (ws.readyState === WebSocket.CONNECTING) {
        ws.terminate();
      } else {
        ws.close();
        const t = setTimeout(() => ws.terminate(), 1000);
        await r.closed;
        clearTimeout(t);
      }
    },
  };
  r.opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  r.opened.catch(() => {});
  r.closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      r.closeInfo = { code, reason: reason.toString('utf8') };
      resolve(r.closeInfo);
      notify();
    });
  });
  ws.on('error', (err) => {
    r.errors.push(err);
    notify();
  });
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? Buffer.from(data).toString('utf8') : data.toString('utf8');
    r.frames.push(text);
    for (const line of text.split('\n')) {
      if (line === '') {
        r.badLines.push(line);
        continue;
      }
      let obj;
      try {
        obj = JSON.parse(line);
      } catch {
        r.badLines.push(line);
        continue;
      }
      if (isPlainObject(obj) && Object.keys(obj).length === 0) {
        r.pings++;
        r.pingTimes.push(Date.now());
        if (r.autoPong && ws.readyState === WebSocket.OPEN) ws.send('{}');
      } else {
        r.messages.push(obj);
      }
    }
    notify();
  });
  return track(r);
}

/** Opens a raw socket and completes a connect with a token for `identity`. Resolves the socket. */
export async function rawConnected(server, identity, opts = {}) {
  const r = rawWs(server.wsUrl, opts);
  await r.opened;
  const reply = await r.connect(tokenFor(server, identity));
  assert.ok(reply.connect, `connect failed: ${safeJson(reply)}`);
  return r;
}

export const ADMIN = { user: 'root-admin', roles: ['admin'] };
