// Helpers for browser.test.mjs: headless Chromium (Debian's, driven by playwright-core), a tiny
// page server that hands the centrifuge-js browser bundle to the page, the development setup
// (`neo-events serve` without -c, the banner parsed from stdout) and a raw WebSocket upgrade.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { REPO_ROOT, freePort, spawnServer, waitServing } from '../harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The SDK's browser bundle exactly as published (it sets globalThis.Centrifuge). */
const SDK_BUNDLE = path.join(REPO_ROOT, 'node_modules', 'centrifuge', 'dist', 'centrifuge.js');

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>neo-events browser test</title></head>
<body><script src="/centrifuge.js"></script></body></html>
`;

/**
 * An HTTP server on 127.0.0.1:`port` serving `/` (a page loading the SDK) and `/centrifuge.js`.
 * The page's origin depends on the host name the browser uses: http://127.0.0.1:<port> or
 * http://localhost:<port> are two different origins for the same listener.
 */
export async function startPageServer(port = 0) {
  const bundle = readFileSync(SDK_BUNDLE);
  const sockets = new Set();
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(PAGE);
    } else if (url.pathname === '/centrifuge.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(bundle);
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', resolve);
  });
  const actual = srv.address().port;
  return {
    port: actual,
    url: (host = '127.0.0.1') => `http://${host}:${actual}/`,
    origin: (host = '127.0.0.1') => `http://${host}:${actual}`,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => srv.close(() => resolve()));
    },
  };
}

/** Parses the development-setup banner. Returns null until the whole banner is there. */
export function parseBanner(stdout) {
  const lines = stdout.split('\n');
  const apiKey = /^\s*API key:\s+(\S+)\s*$/m.exec(stdout)?.[1];
  const wsUrl = /^\s*WebSocket:\s+(\S+)\s*$/m.exec(stdout)?.[1];
  const apiUrl = /^\s*Server API:\s+(\S+)/m.exec(stdout)?.[1];
  const i = lines.findIndex((l) => l.includes('Example token'));
  const token = i >= 0 && i + 1 < lines.length ? lines[i + 1].trim() : '';
  if (!apiKey || !wsUrl || !apiUrl || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return null;
  return { apiKey, wsUrl, apiUrl, token };
}

/**
 * The quick start: `neo-events serve` with no -c, in a fresh empty directory (so no
 * ./neo-events.yaml is found), with only NEO_EVENTS_HTTP_LISTEN set. Waits for the banner and
 * for GET /health = 200. `stop()` resolves a result shaped like the harness's (for assertCleanExit).
 */
export async function startDevServer() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-dev-'));
  const server = spawnServer(['serve'], {
    cwd: dir,
    env: { NEO_EVENTS_HTTP_LISTEN: `127.0.0.1:${port}` },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  });
  const url = `http://127.0.0.1:${port}`;
  Object.assign(server, { port, url, apiUrl: `${url}/api`, banner: null });
  await waitServing(server, url, 'neo-events (development setup)', () => {
    server.banner = parseBanner(server.stdout);
    return server.banner !== null;
  });
  return server;
}

/**
 * A raw WebSocket upgrade request (node:http, no WebSocket library) to `url` with the given
 * Origin (none when undefined); `change` overrides headers (a null value removes one).
 * Resolves {status, upgraded, headers, body}.
 */
export function rawUpgrade(url, origin, timeoutMs = 5000, change = {}) {
  return new Promise((resolve, reject) => {
    const headers = {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    };
    if (origin !== undefined) headers.Origin = origin;
    for (const [name, value] of Object.entries(change)) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    const req = http.request(url.replace(/^ws/, 'http'), { headers, timeout: timeoutMs });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, upgraded: true, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, upgraded: false, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to the upgrade request within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
