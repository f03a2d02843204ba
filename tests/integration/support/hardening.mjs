// Helpers shared by security.test.mjs and abuse.test.mjs (multi-tenant hardening): raw HTTP
// upgrades with an Origin, RS256 tokens, connect attempts that end in a reply or a close, the
// audit log reader, and the server's memory and metrics. Black-box only, like harness.mjs.
import assert from 'node:assert/strict';
import { randomBytes, sign as cryptoSign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';

import { rawWs } from '../harness.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS signed with an RSA private key (RS256/384/512, PKCS#1 v1.5). */
export function makeRsaToken(privateKey, claims, alg = 'RS256') {
  const hash = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }[alg];
  const signingInput = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`;
  const sig = cryptoSign(hash, Buffer.from(signingInput), privateKey).toString('base64url');
  return `${signingInput}.${sig}`;
}

/** A token with an arbitrary header (e.g. {alg: 'NONE'}) and signature segment. */
export function makeRawToken(header, claims, signature = '') {
  return `${b64url(header)}.${b64url(claims)}.${signature}`;
}

/**
 * A bare WebSocket upgrade request (optionally with an Origin header). Resolves
 * {upgraded, status} without ever speaking the protocol.
 */
export function rawUpgrade(wsUrl, origin) {
  return new Promise((resolve, reject) => {
    const u = new URL(wsUrl);
    const headers = {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    };
    if (origin !== undefined) headers.Origin = origin;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, headers });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ upgraded: true, status: res.statusCode });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ upgraded: false, status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('upgrade timed out')));
    req.end();
  });
}

/**
 * Opens a raw socket and sends connect with `token`. Resolves {r, reply, close}: `reply` is the
 * connect reply when one came, `close` the {code, reason} when the socket closed first (the
 * socket is given 5 s). The raw socket is tracked (closed after the test).
 */
export async function attemptConnect(wsUrl, token, extra = {}) {
  const r = rawWs(wsUrl);
  await r.opened;
  const id = r.nextId++;
  r.send({ connect: { token, ...extra }, id });
  await r.waitUntil(() => r.closeInfo !== null || r.messages.some((m) => m.id === id), 5000, 'connect reply or close');
  const reply = r.messages.find((m) => m.id === id);
  if (reply?.connect) return { r, reply, close: null };
  // An error reply may be followed by a close; a close never by a reply.
  if (!reply) return { r, reply: undefined, close: await r.waitClose() };
  return { r, reply, close: r.closeInfo };
}

/** Outcome of attemptConnect as one comparable value: 'accepted', {error}, or {close}. */
export function connectOutcome({ r, reply, close }) {
  if (reply?.connect) return 'accepted';
  if (reply?.error) return { error: reply.error.code };
  return { close: close.code, reason: close.reason, replies: r.messages.length };
}

// ---------------------------------------------------------------------------------------------
// Audit log

export const AUDIT_FIELDS = ['time', 'node', 'action', 'user', 'tenant', 'channel', 'reason', 'remote', 'code'];

export function readAudit(file) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = [];
  const bad = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      bad.push(line);
    }
  }
  return { text, lines, bad };
}

function matches(line, want) {
  return Object.entries(want).every(([k, v]) => line[k] === v);
}

/**
 * Polls the audit file (the writer is asynchronous) for up to `timeoutMs` until every
 * expectation holds: {match: {field: value...}, count: exact n} or {match, min: n}. Then
 * asserts them (with the whole log in the message) and resolves the parsed log.
 */
export async function expectAudit(file, expectations, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  const check = (log) =>
    expectations.map((e) => {
      const n = log.lines.filter((l) => matches(l, e.match)).length;
      const ok = e.count !== undefined ? n === e.count : n >= (e.min ?? 1);
      return { e, n, ok };
    });
  let log;
  let results;
  for (;;) {
    log = readAudit(file);
    results = check(log);
    if (results.every((x) => x.ok) || Date.now() > deadline) break;
    await sleep(100);
  }
  const failed = results.filter((x) => !x.ok);
  assert.deepEqual(
    failed.map((x) => ({ match: x.e.match, expected: x.e.count ?? `>= ${x.e.min ?? 1}`, found: x.n })),
    [],
    `audit log ${file} lacks expected lines; it holds ${log.lines.length} lines:\n${log.text.slice(-6000)}`,
  );
  return log;
}

/** Every line is one JSON object with exactly the audit fields, well typed. */
export function assertAuditShape(log, { since }) {
  assert.deepEqual(log.bad, [], 'audit log lines that are not JSON');
  for (const line of log.lines) {
    const where = JSON.stringify(line);
    assert.deepEqual(Object.keys(line).sort(), [...AUDIT_FIELDS].sort(), `audit fields of ${where}`);
    for (const k of AUDIT_FIELDS) {
      if (k === 'code') assert.equal(typeof line.code, 'number', `code of ${where}`);
      else assert.equal(typeof line[k], 'string', `${k} of ${where}`);
    }
    const t = Date.parse(line.time);
    assert.ok(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(line.time) && t >= since - 2000 && t <= Date.now() + 2000, `time of ${where}`);
    assert.ok(line.node.length > 0, `node of ${where}`);
    assert.ok(line.action.length > 0, `action of ${where}`);
    if (line.action !== 'audit:dropped') assert.match(line.remote, /^127\.0\.0\.1(:\d+)?$/, `remote of ${where}`);
  }
}

/**
 * The audit log never holds a token, a secret or a key, whole or in part: each secret and
 * each token's signature segment (and its payload, when it is long enough to be telling).
 */
export function assertNoSecrets(text, { secrets = [], tokens = [] }) {
  for (const s of secrets) {
    if (!s) continue;
    assert.ok(!text.includes(s), `audit log contains a secret/key (${s.slice(0, 6)}...)`);
  }
  for (const t of tokens) {
    assert.ok(!text.includes(t), `audit log contains a token (${t.slice(0, 24)}...)`);
    const [, payload, sig] = t.split('.');
    if (sig && sig.length >= 16) assert.ok(!text.includes(sig), `audit log contains a token signature (${sig.slice(0, 12)}...)`);
    if (payload && payload.length >= 40) assert.ok(!text.includes(payload), `audit log contains a token payload (${payload.slice(0, 12)}...)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Process and metrics

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  assert.ok(m, `no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** A gauge from GET /metrics (undefined when absent). */
export async function metric(server, name) {
  const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET /metrics: ${res.status} ${text}`);
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}
