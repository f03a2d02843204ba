// 13. A real browser: headless Chromium loads centrifuge-js's browser bundle from a page on
// another origin and talks to neo-events. (a) The quick start: the development setup's printed
// API key and example token work as the banner says, which also proves its allowed_origins
// ["*"]. (b) The Origin check: only the configured origin may open a WebSocket; any other is
// refused with HTTP 403 (in the browser and on a raw upgrade from Node).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { assertCleanExit, startServer, tokenFor } from './harness.mjs';
import { launchChromium, rawUpgrade, startDevServer, startPageServer } from './browser/support.mjs';

const T = { timeout: 20_000 };
const CHANNEL = 'tenant:1:deployments';
/** How long a refused page gets to (wrongly) reach `connected`. */
const REFUSED_WAIT_MS = 3000;

let browser = null;
const contexts = new Set();
const servers = new Set(); // neo-events processes (dev setup and harness)
const pageServers = new Set();
let diag = []; // browser console lines and page errors of the current test
let outputMark = new Map();

before(async () => {
  browser = await launchChromium();
}, { timeout: 15_000 });

beforeEach(() => {
  diag = [];
  outputMark = new Map([...servers].map((s) => [s, s.output.length]));
});

afterEach(async (t) => {
  for (const c of [...contexts]) {
    contexts.delete(c);
    await c.close().catch(() => {});
  }
  if (t && t.passed === false) {
    let report = `\n--- browser console during "${t.name}" ---\n${diag.join('\n')}\n`;
    for (const s of servers) {
      report += `--- neo-events ${s.url} output during the test ---\n${s.output.slice(outputMark.get(s) ?? 0).split('\n').slice(-100).join('\n')}\n`;
    }
    process.stderr.write(`${report}--- end ---\n`);
  }
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  for (const s of servers) if (!s.stopResult) await s.stop();
  for (const p of pageServers) await p.close();
});

/** A fresh browser context (own cookies/cache) with one page open at `url`. */
async function openPage(url) {
  const context = await browser.newContext();
  contexts.add(context);
  const page = await context.newPage();
  page.on('console', (m) => diag.push(`[${url}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => diag.push(`[${url}] pageerror: ${e.message}`));
  const res = await page.goto(url, { waitUntil: 'load', timeout: 5000 });
  assert.equal(res.status(), 200, `page ${url}`);
  assert.equal(await page.evaluate(() => typeof window.Centrifuge), 'function', 'the SDK bundle sets window.Centrifuge');
  return page;
}

/** In the page: centrifuge-js connect + subscribe; resolves once subscribed (rejects otherwise). */
function connectAndSubscribe(page, { wsUrl, token, channel }) {
  return page.evaluate(
    ({ wsUrl, token, channel }) =>
      new Promise((resolve, reject) => {
        // What the banner tells a newcomer to type into a browser console.
        const c = new Centrifuge(wsUrl, { token });
        const s = c.newSubscription(channel);
        window.client = c;
        window.received = [];
        s.on('publication', (ctx) => window.received.push({ channel: ctx.channel, data: ctx.data, offset: ctx.offset }));
        const events = [];
        c.on('error', (ctx) => events.push({ error: ctx.type, message: ctx.error && ctx.error.message }));
        c.on('connecting', (ctx) => events.push({ connecting: ctx.code, reason: ctx.reason }));
        c.on('disconnected', (ctx) => reject(new Error(`disconnected ${JSON.stringify(ctx)} after ${JSON.stringify(events)}`)));
        s.on('unsubscribed', (ctx) => reject(new Error(`unsubscribed ${JSON.stringify(ctx)} after ${JSON.stringify(events)}`)));
        s.on('subscribed', (ctx) =>
          resolve({ origin: location.origin, state: c.state, subState: s.state, recoverable: ctx.recoverable, events }),
        );
        setTimeout(() => reject(new Error(`not subscribed within 5 s; state ${c.state}; ${JSON.stringify(events)}`)), 5000);
        s.subscribe();
        c.connect();
      }),
    { wsUrl, token, channel },
  );
}

/** In the page: centrifuge-js connect; reports whether `connected` fired within waitMs. */
function tryConnect(page, { wsUrl, token, waitMs }) {
  return page.evaluate(
    ({ wsUrl, token, waitMs }) =>
      new Promise((resolve) => {
        const c = new Centrifuge(wsUrl, { token, minReconnectDelay: 200, maxReconnectDelay: 1000 });
        const events = [];
        let connected = false;
        c.on('connecting', (ctx) => events.push(`connecting ${ctx.code} ${ctx.reason}`));
        c.on('connected', () => {
          connected = true;
          events.push('connected');
        });
        c.on('disconnected', (ctx) => events.push(`disconnected ${ctx.code} ${ctx.reason}`));
        c.on('error', (ctx) => events.push(`error ${ctx.type} ${ctx.error && ctx.error.message}`));
        c.connect();
        setTimeout(() => {
          const state = c.state;
          c.disconnect();
          resolve({ origin: location.origin, connected, state, events });
        }, waitMs);
      }),
    { wsUrl, token, waitMs },
  );
}

/** In the page: a bare `new WebSocket(url)`; resolves the list of events it fired. */
function rawBrowserWs(page, { wsUrl, waitMs = 5000 }) {
  return page.evaluate(
    ({ wsUrl, waitMs }) =>
      new Promise((resolve) => {
        const events = [];
        const ws = new WebSocket(wsUrl);
        ws.onopen = () => {
          events.push('open');
          ws.close(1000);
        };
        ws.onerror = () => events.push('error');
        ws.onclose = (e) => {
          events.push(`close ${e.code}`);
          resolve(events);
        };
        setTimeout(() => resolve([...events, 'timeout']), waitMs);
      }),
    { wsUrl, waitMs },
  );
}

// ---------------------------------------------------------------------------------------------

describe('quick start: development setup + centrifuge-js in Chromium', () => {
  let dev = null;
  let pages = null;

  before(async () => {
    pages = await startPageServer();
    pageServers.add(pages);
    dev = await startDevServer();
    servers.add(dev);
  }, { timeout: 20_000 });

  it('the printed example token subscribes from another origin and the printed API key publishes to it', T, async () => {
    const { banner } = dev;
    assert.equal(banner.wsUrl, `ws://127.0.0.1:${dev.port}/connection/websocket`, 'banner WebSocket URL');
    assert.equal(banner.apiUrl, `http://127.0.0.1:${dev.port}/api`, 'banner Server API URL');
    assert.match(dev.stdout, /allowed_origins \["\*"\]/, 'the banner says the development setup allows any origin');

    const page = await openPage(pages.url());
    const sub = await connectAndSubscribe(page, { wsUrl: banner.wsUrl, token: banner.token, channel: CHANNEL });
    assert.equal(sub.origin, `http://127.0.0.1:${pages.port}`);
    assert.notEqual(sub.origin, new URL(dev.url).origin, 'the page is cross-origin to the server');
    assert.equal(sub.state, 'connected');
    assert.equal(sub.subState, 'subscribed');

    const publish = async (data) => {
      const res = await fetch(`${banner.apiUrl}/publish`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': banner.apiKey },
        body: JSON.stringify({ channel: CHANNEL, data }),
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      assert.equal(res.status, 200, `POST /api/publish: ${res.status} ${text}`);
      const body = JSON.parse(text);
      assert.equal(body.error, undefined, `POST /api/publish: ${text}`);
      return body.result;
    };
    // The development setup validates tenant events (validate_events): a catalogue event, whose
    // free-form `data` carries the awkward bytes.
    const data = {
      type: 'deployment_update',
      deploymentId: 'dep-browser',
      status: 'running',
      progress: 42,
      data: { nested: [1, 'two', { three: true }, null], unicode: 'é☃😀', quote: '"\\</script>' },
      timestamp: new Date().toISOString(),
    };
    const r1 = await publish(data);
    // A sentinel proves nothing else (no duplicate, no stray message) arrived in between.
    const sentinel = { type: 'deployment_log', deploymentId: 'dep-browser', log: 'sentinel', level: 'info', timestamp: new Date().toISOString() };
    const r2 = await publish(sentinel);

    await page.waitForFunction(() => window.received.length >= 2, null, { timeout: 5000 });
    const received = await page.evaluate(() => window.received);
    assert.deepEqual(received, [
      { channel: CHANNEL, data, offset: r1.offset },
      { channel: CHANNEL, data: sentinel, offset: r2.offset },
    ]);
    await page.evaluate(() => window.client.disconnect());
  });

  it('the development setup exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await dev.stop());
  });
});

// ---------------------------------------------------------------------------------------------

describe('Origin check with http.allowed_origins = [one page origin]', () => {
  let server = null;
  let allowedPages = null; // http://127.0.0.1:<P> is the allowed origin
  let otherPages = null;

  before(async () => {
    allowedPages = await startPageServer();
    pageServers.add(allowedPages);
    otherPages = await startPageServer();
    pageServers.add(otherPages);
    server = await startServer({ http: { allowed_origins: [allowedPages.origin('127.0.0.1')] } });
    servers.add(server);
  }, { timeout: 20_000 });

  const USER = { user: 'u-browser', tenant: '1', roles: ['tenant_user'] };

  it('a page at the allowed origin connects and subscribes; a bare WebSocket opens', T, async () => {
    const page = await openPage(allowedPages.url('127.0.0.1'));
    const sub = await connectAndSubscribe(page, { wsUrl: server.wsUrl, token: tokenFor(server, USER), channel: CHANNEL });
    assert.equal(sub.origin, allowedPages.origin('127.0.0.1'));
    assert.equal(sub.state, 'connected');
    assert.equal(sub.subState, 'subscribed');
    await page.evaluate(() => window.client.disconnect());
    const events = await rawBrowserWs(page, { wsUrl: server.wsUrl });
    assert.equal(events[0], 'open', `bare WebSocket events: ${JSON.stringify(events)}`);
  });

  it('pages at other origins (other host, other port, both) never connect; a bare WebSocket fails without open', T, async () => {
    const refused = [
      otherPages.url('localhost'), // other host and port
      otherPages.url('127.0.0.1'), // same host, other port
      allowedPages.url('localhost'), // same listener and port, other host name
    ];
    await Promise.all(
      refused.map(async (url) => {
        const page = await openPage(url);
        const origin = new URL(url).origin;
        assert.notEqual(origin, allowedPages.origin('127.0.0.1'));
        const [attempt, events] = await Promise.all([
          tryConnect(page, { wsUrl: server.wsUrl, token: tokenFor(server, USER), waitMs: REFUSED_WAIT_MS }),
          rawBrowserWs(page, { wsUrl: server.wsUrl }),
        ]);
        const what = `page at ${origin}: ${JSON.stringify(attempt)}`;
        assert.equal(attempt.origin, origin);
        assert.equal(attempt.connected, false, `centrifuge-js reached connected: ${what}`);
        assert.notEqual(attempt.state, 'connected', what);
        assert.ok(attempt.events.some((e) => e.startsWith('connecting')), `centrifuge-js kept retrying: ${what}`);
        assert.ok(!events.includes('open'), `bare WebSocket from ${origin} opened: ${JSON.stringify(events)}`);
        assert.ok(events.includes('error'), `bare WebSocket from ${origin} fired no error: ${JSON.stringify(events)}`);
        assert.ok(events.some((e) => e.startsWith('close ')), `bare WebSocket from ${origin} never closed: ${JSON.stringify(events)}`);
      }),
    );
    // Chromium names the reason in the console: the handshake was answered with 403.
    for (const url of refused) {
      const origin = new URL(url).origin;
      assert.ok(
        diag.some((l) => l.startsWith(`[${url}]`) && /Unexpected response code: 403/.test(l)),
        `no "Unexpected response code: 403" in the console of the page at ${origin}:\n${diag.join('\n')}`,
      );
    }
  });

  it('raw upgrade from Node: Origin http://evil.example is 403; the allowed origin and no Origin upgrade (101)', T, async () => {
    const evil = await rawUpgrade(server.wsUrl, 'http://evil.example');
    assert.equal(evil.upgraded, false, JSON.stringify(evil));
    assert.equal(evil.status, 403, JSON.stringify(evil));

    const allowed = await rawUpgrade(server.wsUrl, allowedPages.origin('127.0.0.1'));
    assert.equal(allowed.upgraded, true, JSON.stringify(allowed));
    assert.equal(allowed.status, 101);

    // Non-browser clients (backends, the ws package) send no Origin and are not subject to it.
    const none = await rawUpgrade(server.wsUrl, undefined);
    assert.equal(none.upgraded, true, JSON.stringify(none));
    assert.equal(none.status, 101);

    // The Origin check is on the whole origin: the allowed host on another port is refused too.
    const otherPort = await rawUpgrade(server.wsUrl, otherPages.origin('127.0.0.1'));
    assert.equal(otherPort.status, 403, JSON.stringify(otherPort));
  });

  it('the server exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await server.stop());
  });
});
