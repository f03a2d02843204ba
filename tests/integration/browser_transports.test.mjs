// Transports in a real browser (issue 13): Chromium's own EventSource on uni_sse (publications,
// recovery through cf_connect subs, a bad token answered 401 and never retried over 30 s,
// counted by the server's audit log), centrifuge-js's browser bundle falling back to its `sse`
// emulation when the WebSocket endpoint is refused, and Chromium's WebSocket negotiating
// permessage-deflate. The page is served from another origin, the one the server allows.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { cent, startServer, tokenFor } from './harness.mjs';
import { launchChromium, startPageServer } from './browser/support.mjs';
import { readAudit } from './support/hardening.mjs';

const T = { timeout: 60_000 };
const CHANNEL = 'tenant:7:deployments';
const USER = { user: 'u-7-browser', tenant: '7', roles: ['tenant_user'] };
const NO_STORM_MS = 30_000;

let browser;
let pages;
let server;
let page;
const auditFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'neo-events-bt-')), 'audit.log');

before(async () => {
  pages = await startPageServer();
  server = await startServer({
    http: { allowed_origins: [pages.url().replace(/\/$/, '')] },
    audit: { enabled: true, file: auditFile },
    websocket: { compression: true },
  });
  browser = await launchChromium();
  const context = await browser.newContext();
  page = await context.newPage();
  await page.goto(pages.url(), { waitUntil: 'load', timeout: 5000 });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  if (pages) await pages.close();
});

/** In the page: a native EventSource on `url`; collects parsed messages and error events. */
function openSource(url) {
  return page.evaluate((url) => {
    const es = new EventSource(url);
    window.source = { es, messages: [], errors: 0, opened: false };
    es.onopen = () => (window.source.opened = true);
    es.onmessage = (e) => window.source.messages.push(JSON.parse(e.data));
    es.onerror = () => window.source.errors++;
  }, url);
}

async function sourceState() {
  return page.evaluate(() => ({ ...window.source, es: undefined, readyState: window.source.es.readyState }));
}

async function until(cond, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await sourceState();
    if (cond(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sseUrl = (request) => `${server.url}/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify(request))}`;

describe('Chromium EventSource on uni_sse', () => {
  it('live publications, then recovery through cf_connect subs after a gap', T, async () => {
    const token = tokenFor(server, { ...USER, channels: [CHANNEL] });
    await openSource(sseUrl({ token }));
    let s = await until((x) => x.messages.some((m) => m.connect), 'the connect push');
    const live = await cent(server).publish({ channel: CHANNEL, data: { n: 1 } });
    s = await until((x) => x.messages.some((m) => m.pub), 'a publication');
    assert.deepEqual(s.messages.find((m) => m.pub), { channel: CHANNEL, pub: { data: { n: 1 }, offset: live.offset } });
    await page.evaluate(() => window.source.es.close());

    const missed = [];
    for (let n = 2; n <= 4; n++) missed.push(await cent(server).publish({ channel: CHANNEL, data: { n } }));
    const subs = { [CHANNEL]: { recover: true, offset: live.offset, epoch: live.epoch } };
    await openSource(sseUrl({ token, subs }));
    s = await until((x) => x.messages.some((m) => m.connect), 'the connect push after the gap');
    const sub = s.messages.find((m) => m.connect).connect.subs[CHANNEL];
    assert.equal(sub.recovered, true, JSON.stringify(sub));
    assert.deepEqual(
      sub.publications.map((p) => [p.data.n, p.offset]),
      missed.map((m, i) => [i + 2, m.offset]),
    );
    await page.evaluate(() => window.source.es.close());
  });

  it(`a bad token: 401, the EventSource is closed and does not retry for ${NO_STORM_MS / 1000} s`, T, async () => {
    const refusals = () => readAudit(auditFile).lines.filter((l) => l.action === 'connect' && l.code === 3500).length;
    const before = refusals();
    await openSource(sseUrl({ token: 'not-a-token' }));
    let s = await until((x) => x.errors > 0, 'the error event');
    assert.equal(s.readyState, 2, 'EventSource.CLOSED: a 401 is final');
    await new Promise((r) => setTimeout(r, NO_STORM_MS));
    s = await sourceState();
    assert.equal(s.readyState, 2);
    assert.equal(s.errors, 1);
    assert.equal(s.opened, false);
    assert.equal(refusals() - before, 1, 'the server saw exactly one attempt');
  });
});

describe('centrifuge-js in Chromium, WebSocket refused', () => {
  it('falls back to its sse emulation: connects, subscribes, receives', T, async () => {
    const token = tokenFor(server, USER);
    const result = page.evaluate(
      ({ base, token, channel }) =>
        new Promise((resolve, reject) => {
          const c = new Centrifuge(
            [
              { transport: 'websocket', endpoint: base.replace('http', 'ws') + '/connection/blocked' },
              { transport: 'sse', endpoint: base + '/connection/sse' },
            ],
            { token, emulationEndpoint: base + '/emulation' },
          );
          const s = c.newSubscription(channel);
          s.on('publication', (ctx) => {
            resolve({ transport: c._transport.name(), data: ctx.data });
            c.disconnect();
          });
          s.on('subscribed', () => (window.subscribedOverSse = true));
          setTimeout(() => reject(new Error(`state ${c.state}/${s.state} after 10 s`)), 10_000);
          s.subscribe();
          c.connect();
        }),
      { base: server.url, token, channel: CHANNEL },
    );
    for (let i = 0; i < 100 && !(await page.evaluate(() => window.subscribedOverSse === true)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await cent(server).publish({ channel: CHANNEL, data: { over: 'sse' } });
    assert.deepEqual(await result, { transport: 'sse', data: { over: 'sse' } });
  });
});

describe('Chromium WebSocket with permessage-deflate', () => {
  it('negotiates it and receives a large publication exactly', T, async () => {
    const token = tokenFor(server, USER);
    const data = { log: 'step done\n'.repeat(3000) };
    const received = page.evaluate(
      ({ wsUrl, token, channel }) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(wsUrl);
          ws.onopen = () =>
            ws.send(JSON.stringify({ id: 1, connect: { token } }) + '\n' + JSON.stringify({ id: 2, subscribe: { channel } }));
          ws.onmessage = (e) => {
            for (const line of e.data.split('\n')) {
              const m = JSON.parse(line);
              if (m.id === 2) window.deflateSubscribed = true;
              if (m.push && m.push.pub) resolve({ extensions: ws.extensions, data: m.push.pub.data });
            }
          };
          ws.onclose = (e) => reject(new Error(`closed ${e.code}`));
          setTimeout(() => reject(new Error('no publication within 10 s')), 10_000);
        }),
      { wsUrl: server.wsUrl, token, channel: CHANNEL },
    );
    for (let i = 0; i < 100 && !(await page.evaluate(() => window.deflateSubscribed === true)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await cent(server).publish({ channel: CHANNEL, data });
    const got = await received;
    assert.match(got.extensions, /permessage-deflate/);
    assert.deepEqual(got.data, data);
  });
});
