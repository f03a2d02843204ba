// Abuse under load (spec §8: "the process never crashes and other clients never notice").
//
// 200 abusive connections (malformed frames, oversize frames, commands before connect, second
// connects, unknown methods, forged / alg:none / expired tokens, unowed pongs, subscribe and
// publish floods at another tenant, sockets dropped mid-frame, reconnect storms) hammer one
// server for 10 s (longer, up to 20 s, while the publisher has not finished on a slow machine)
// while a well-behaved centrifuge-js client of tenant GOOD is subscribed to
// tenant:GOOD:deployments and 1,000 publications are sent to it through cent.js at up to 100/s,
// one request at a time. The client must receive all 1,000, in the order the server accepted
// them (their history offsets), once each, without ever reconnecting or being made to
// resubscribe; no abuser may see any of them, and each abuser gets the answer of the README's
// "Limits and codes" table. The round runs twice: the server's RSS after round 2 must not exceed its RSS
// after round 1 by more than 10 % + 8 MiB (a per-connection leak would grow with each round),
// and /metrics neo_events_connections must come back to 1 (the good client) after each round.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Centrifuge, WebSocket, assertCleanExit, cent, tokenFor, track, useServer, waitFor } from './harness.mjs';
import { GOOD_MARKER, abuseKinds, hammer } from './support/abusers.mjs';
import { metric, rssBytes, sleep } from './support/hardening.mjs';

// The server inherits this process's environment (the harness strips only NEO_EVENTS_*): a
// small ASan quarantine, returned to the OS quickly, so that RSS reflects live memory.
const savedAsan = process.env.ASAN_OPTIONS;
process.env.ASAN_OPTIONS = [savedAsan, 'quarantine_size_mb=16', 'allocator_release_to_os_interval_ms=500']
  .filter(Boolean)
  .join(':');
after(() => {
  if (savedAsan === undefined) delete process.env.ASAN_OPTIONS;
  else process.env.ASAN_OPTIONS = savedAsan;
});

const MAX_MESSAGE_BYTES = 8192;
const ACTORS = 200;
const ROUND_MS = 10_000;
const PUBLICATIONS = 1000;
const PUBLISH_EVERY_MS = 10; // 100/s
const CHANNEL = 'tenant:GOOD:deployments';
const MiB = 1024 * 1024;

// The audit log (every abuser's denial is a line) goes to a file, not the server's stdout.
const auditDir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-abuse-audit-'));
after(() => rmSync(auditDir, { recursive: true, force: true }));

const ctx = useServer({
  audit: { enabled: true, file: path.join(auditDir, 'audit.log') },
  client: {
    max_message_bytes: MAX_MESSAGE_BYTES,
    // Generous: the good client must never be limited (abusers have their own buckets).
    command_rate_per_second: 10_000,
    command_burst: 20_000,
  },
  tenants: { max_connections: 100_000, max_publish_per_second: 100_000 },
  log: { level: 'warn' },
});

describe('abuse: 200 abusive connections for 10 s while a good client of another tenant receives 1,000 publications', () => {
  let good; // {client, sub, seqs, reconnects, resubscribes, errors}
  const rss = {};

  before(async () => {
    const { server } = ctx;
    // Not tracked: it must live across the tests of this file.
    const client = new Centrifuge(server.wsUrl, {
      websocket: WebSocket,
      token: tokenFor(server, { user: 'good-user', tenant: 'GOOD', roles: ['tenant_user'], ttl: 3600 }),
      minReconnectDelay: 100,
      maxReconnectDelay: 1000,
      timeout: 5000,
    });
    good = { client, seqs: [], reconnects: 0, resubscribes: 0, errors: [], states: [] };
    client.on('error', (e) => good.errors.push(e));
    const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
    client.connect();
    await connected;
    client.on('connecting', (c) => {
      good.reconnects++;
      good.states.push(['connecting', c.code, c.reason]);
    });
    client.on('disconnected', (c) => {
      good.reconnects++;
      good.states.push(['disconnected', c.code, c.reason]);
    });
    const sub = client.newSubscription(CHANNEL);
    sub.on('error', (e) => good.errors.push(e));
    const subscribed = waitFor(sub, 'subscribed', 5000, { failOn: ['unsubscribed'] });
    sub.subscribe();
    await subscribed;
    sub.on('subscribing', (c) => {
      good.resubscribes++;
      good.states.push(['subscribing', c.code, c.reason]);
    });
    sub.on('publication', (p) => good.seqs.push(p.data.goodSeq));
    good.sub = sub;
    await sleep(500);
    rss.start = rssBytes(server.pid);
  });

  after(() => {
    if (good) {
      good.client.removeAllListeners();
      good.client.on('error', () => {});
      good.client.disconnect();
    }
  });

  /**
   * Publishes seq from..from+n-1 through cent.js at a steady 100/s (slower when each answer
   * takes longer), with at most `inflight` requests outstanding (1: one after the other, as one
   * backend worker does). The order the server gave them is their history offset (the tenant
   * namespace keeps history): resolves {order, failures, distinctOffsets, ms} where `order`
   * lists the seqs by offset — the order the client must receive them in.
   */
  async function publishSteadily(server, from, n, { inflight: maxInflight = 1, channel = CHANNEL } = {}) {
    const api = cent(server);
    const t0 = Date.now();
    const failures = [];
    const offsets = new Map();
    const inflight = new Set();
    for (let i = 0; i < n; i++) {
      const wait = t0 + i * PUBLISH_EVERY_MS - Date.now();
      if (wait > 0) await sleep(wait);
      while (inflight.size >= maxInflight) await Promise.race(inflight);
      const seq = from + i;
      const p = api
        .publish({
          channel,
          data: { type: 'deployment_update', timestamp: new Date().toISOString(), deploymentId: 'd-1', status: 'running', progress: seq % 101, goodSeq: seq, marker: GOOD_MARKER },
        })
        .then(
          (res) => offsets.set(seq, res.offset),
          (e) => failures.push({ seq, error: String(e?.message ?? e) }),
        )
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    const order = [...offsets.entries()].sort((a, b) => a[1] - b[1]).map(([seq]) => seq);
    const distinct = new Set(offsets.values()).size;
    return { order, failures, distinctOffsets: distinct, ms: Date.now() - t0 };
  }

  /** Until /metrics says `n` connections (or `timeoutMs`); resolves the last value seen. */
  async function connectionsSettle(server, n, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let value;
    for (;;) {
      value = await metric(server, 'neo_events_connections');
      if (value === n || Date.now() > deadline) return value;
      await sleep(200);
    }
  }

  async function round(k) {
    const { server } = ctx;
    const from = k * PUBLICATIONS;
    const kinds = abuseKinds({ maxMessageBytes: MAX_MESSAGE_BYTES });
    // The abuse lasts 10 s, or as long as publishing takes when the machine is slower (<= 20 s).
    const t0 = Date.now();
    const publishing = publishSteadily(server, from, PUBLICATIONS);
    const [stats, published] = await Promise.all([
      hammer(server, kinds, { actors: ACTORS, durationMs: ROUND_MS, maxMs: 2 * ROUND_MS, until: publishing, pauseMs: [500, 1000] }),
      publishing,
    ]);
    const abuseMs = Date.now() - t0;
    const total = Object.values(stats).reduce((a, s) => a + s.attempts, 0);
    process.stderr.write(
      `# abuse round ${k + 1}: ${total} abusive connections in ${abuseMs} ms; publishing took ${published.ms} ms\n` +
        Object.entries(stats)
          .map(([name, s]) => `#   ${name}: ${s.attempts} ${JSON.stringify(s.outcomes)}${s.leaks ? ` LEAKS ${s.leaks}` : ''}`)
          .join('\n') +
        '\n',
    );

    // Every check is evaluated (and reported together), so one failure does not hide another.
    const want = published.order;
    const deadline = Date.now() + 10_000;
    while (good.seqs.filter((s) => s >= from).length < PUBLICATIONS && Date.now() < deadline) await sleep(50);
    await sleep(300); // anything extra (a duplicate) would come now
    const got = good.seqs.filter((s) => s >= from && s < from + PUBLICATIONS);
    const missing = want.filter((s) => !got.includes(s));
    const dups = got.filter((s, i) => got.indexOf(s) !== i);
    const unexpected = {};
    let leaks = 0;
    for (const [name, st] of Object.entries(stats)) {
      leaks += st.leaks;
      const odd = Object.keys(st.outcomes).filter((o) => !kinds[name].expect.map(String).includes(o));
      if (odd.length || st.attempts === 0) unexpected[name] = { outcomes: st.outcomes, expected: kinds[name].expect };
    }
    // The abusers have left: the gauge counts the good client only.
    const connectionsAfter = await connectionsSettle(server, 1, 5000);
    const health = (await fetch(`${server.url}/health`)).status;
    const checks = {
      apiFailures: published.failures.length,
      distinctOffsets: published.distinctOffsets,
      missing: missing.length,
      duplicates: dups.length,
      inOffsetOrder: missing.length === 0 && JSON.stringify(got) === JSON.stringify(want),
      forgedReceived: good.seqs.includes(-1),
      reconnects: good.reconnects,
      resubscribes: good.resubscribes,
      state: good.client.state,
      clientErrors: good.errors.length,
      abuserLeaks: leaks,
      unexpectedAbuserOutcomes: unexpected,
      enoughAbusers: total >= ACTORS,
      connectionsAfter,
      health,
    };
    const details =
      `round ${k + 1}: ${JSON.stringify({ firstMissing: missing.slice(0, 20), firstDups: dups.slice(0, 20), apiFailures: published.failures.slice(0, 5), clientEvents: good.states.slice(0, 20), clientErrors: good.errors.slice(0, 5) })}`;
    return { checks, details };
  }

  const EXPECTED = {
    apiFailures: 0,
    distinctOffsets: PUBLICATIONS,
    missing: 0,
    duplicates: 0,
    inOffsetOrder: true,
    forgedReceived: false,
    reconnects: 0,
    resubscribes: 0,
    state: 'connected',
    clientErrors: 0,
    abuserLeaks: 0,
    unexpectedAbuserOutcomes: {},
    enoughAbusers: true,
    connectionsAfter: 1,
    health: 200,
  };

  it('round 1: the good client receives all 1,000 publications in order, never reconnects; abusers get their codes', { timeout: 45_000 }, async () => {
    const { checks, details } = await round(0);
    await sleep(2000);
    rss.round1 = rssBytes(ctx.server.pid);
    assert.deepEqual(checks, EXPECTED, details);
  });

  it('round 2 (identical): same guarantees, and RSS after round 2 <= RSS after round 1 + 10 % + 8 MiB', { timeout: 45_000 }, async () => {
    const { checks, details } = await round(1);
    await sleep(2000);
    rss.round2 = rssBytes(ctx.server.pid);
    const limit = rss.round1 * 1.1 + 8 * MiB;
    process.stderr.write(
      `# RSS: start ${(rss.start / MiB).toFixed(1)} MiB, after round 1 ${(rss.round1 / MiB).toFixed(1)} MiB, after round 2 ${(rss.round2 / MiB).toFixed(1)} MiB (limit ${(limit / MiB).toFixed(1)} MiB)\n`,
    );
    assert.ok(rss.round1 > 0, 'no RSS after round 1');
    assert.deepEqual(
      { ...checks, rssWithinLimit: rss.round2 <= limit },
      { ...EXPECTED, rssWithinLimit: true },
      `${details}; RSS after round 1 ${(rss.round1 / MiB).toFixed(1)} MiB, after round 2 ${(rss.round2 / MiB).toFixed(1)} MiB (limit ${(limit / MiB).toFixed(1)} MiB)`,
    );
  });

  // Found by the rounds above (the good client was sent "2500 insufficient state" now and
  // then): publications of one channel that arrive through different API connections (so on
  // different I/O threads) reach a subscriber out of offset order — even when each was
  // acknowledged before the next was sent. Backends publish from several workers and
  // connections; a subscriber must still get the channel in offset order, without 2500s.
  it('publishers on several API connections: a subscriber gets every publication in offset order, no 2500', { timeout: 30_000 }, async () => {
    const { server } = ctx;
    const channel = 'tenant:GOOD:billing';
    const client = track(
      new Centrifuge(server.wsUrl, {
        websocket: WebSocket,
        token: tokenFor(server, { user: 'good-billing', tenant: 'GOOD', roles: ['tenant_user'] }),
        minReconnectDelay: 100,
        maxReconnectDelay: 1000,
      }),
    );
    client.on('error', () => {});
    const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
    client.connect();
    await connected;
    const sub = client.newSubscription(channel);
    sub.on('error', () => {});
    const subscribed = waitFor(sub, 'subscribed', 5000, { failOn: ['unsubscribed'] });
    sub.subscribe();
    await subscribed;
    const resubscribes = [];
    sub.on('subscribing', (c) => resubscribes.push([c.code, c.reason]));
    const seqs = [];
    sub.on('publication', (p) => seqs.push(p.data.goodSeq));

    const phase = async (name, from, publish) => {
      const before = resubscribes.length;
      const published = await publish(from);
      const deadline = Date.now() + 5000;
      const mine = () => seqs.filter((x) => x >= from && x < from + 300);
      while (mine().length < 300 && Date.now() < deadline) await sleep(50);
      await sleep(300);
      const got = mine();
      return {
        phase: name,
        apiFailures: published.failures.length,
        missing: published.order.filter((x) => !got.includes(x)).length,
        inOffsetOrder: JSON.stringify(got) === JSON.stringify(published.order),
        resubscribes: resubscribes.length - before,
        firstResubscribe: resubscribes[before] ?? null,
      };
    };
    // (a) One request at a time, each answered before the next is sent, rotating over three
    // keep-alive connections.
    const agents = [1, 2, 3].map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const post = (agent, body) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: server.port, path: '/api/publish', method: 'POST', agent, headers: { 'X-API-Key': server.apiKey, 'Content-Type': 'application/json' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve(JSON.parse(text)));
          },
        );
        req.on('error', reject);
        req.setTimeout(5000, () => req.destroy(new Error('no answer')));
        req.end(JSON.stringify(body));
      });
    const sequential = await phase('sequential, 3 connections', 0, async (from) => {
      const failures = [];
      const order = [];
      for (let i = 0; i < 300; i++) {
        const res = await post(agents[i % 3], { channel, data: { goodSeq: from + i, marker: GOOD_MARKER } });
        if (res.error) failures.push(res.error);
        else order.push(from + i);
      }
      return { failures, order };
    });
    for (const a of agents) a.destroy();
    // (b) cent.js with 8 requests in flight (the order is then the offsets the server gave).
    const parallel = await phase('cent.js, 8 in flight', 300, (from) => publishSteadily(server, from, 300, { inflight: 8, channel }));
    const clean = (name) => ({ phase: name, apiFailures: 0, missing: 0, inOffsetOrder: true, resubscribes: 0, firstResubscribe: null });
    assert.deepEqual([sequential, parallel], [clean('sequential, 3 connections'), clean('cent.js, 8 in flight')]);
  });

  it('the server exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    good.client.removeAllListeners();
    good.client.on('error', () => {});
    good.client.disconnect();
    assertCleanExit(await ctx.server.stop());
  });
});
