// 14. `neo-events demo` (what scripts/dev.sh runs) and the built-in `time` RPC. The demo serves a
// portals directory (here a temporary one with a file outside it to reach for): content types,
// the single-page-app fallback for portal routes, 404 for traversal (`..`, encoded `%2e%2e`,
// absolute paths), directories and anything else, GET only; the demo login issues tokens the
// server accepts, for demo users only; the simulated services run as its child process and stop
// with it; without them (a missing script) the server still runs. A normal `serve` has none of
// these paths. The `time` RPC answers the server's clock on the raw protocol and through
// centrifuge-js; any other RPC is still 108.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  Centrifuge,
  WebSocket,
  assertCleanExit,
  connectClient,
  rawConnected,
  record,
  subscribe,
  subscribeRefused,
  track,
  useServer,
  waitFor,
} from './harness.mjs';
import { demoEngine, demoIdentity, demoLogin, startDemo } from './e2e/demo.mjs';

const T = { timeout: 20_000 };

/** A GET (or `method`) with the target sent exactly as written (no URL normalisation). */
function rawRequest(url, target, method = 'GET') {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: target, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode, type: res.headers['content-type'], body, headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The inode of the socket listening on 127.0.0.1:`port` (from /proc/net/tcp), or null. */
function listeningInode(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return f[9];
  }
  return null;
}

describe('the time RPC (serve)', () => {
  const ctx = useServer();

  it(
    'raw protocol: {"rpc":{"method":"time"}} -> {"id":N,"rpc":{"data":{"time":<unix ms>}}}; others 108',
    T,
    async () => {
      const r = track(await rawConnected(ctx.server, { user: 'u1', tenant: '1', roles: ['tenant_user'] }));
      const before = Date.now();
      const reply = await r.request('rpc', { method: 'time', data: {} });
      const afterMs = Date.now();
      assert.deepEqual(Object.keys(reply).sort(), ['id', 'rpc']);
      assert.deepEqual(Object.keys(reply.rpc), ['data']);
      assert.deepEqual(Object.keys(reply.rpc.data), ['time']);
      assert.ok(Number.isInteger(reply.rpc.data.time));
      assert.ok(reply.rpc.data.time >= before - 5 && reply.rpc.data.time <= afterMs + 5, JSON.stringify(reply));
      const other = await r.request('rpc', { method: 'clock', data: {} });
      assert.deepEqual(other.error, { code: 108, message: 'not available' });
    },
  );

  it('centrifuge-js client.rpc("time")', T, async () => {
    const { client } = await connectClient(ctx.server, { user: 'u2', tenant: '1', roles: ['tenant_user'] });
    const res = await client.rpc('time', {});
    assert.ok(Math.abs(res.data.time - Date.now()) < 2000, JSON.stringify(res));
  });

  it('a normal serve has no portals and no demo login: 404', T, async () => {
    for (const [target, method] of [
      ['/', 'GET'],
      ['/index.html', 'GET'],
      ['/tenant', 'GET'],
      ['/demo/users', 'GET'],
      ['/demo/login', 'POST'],
    ]) {
      const res = await rawRequest(ctx.server.url, target, method);
      assert.equal(res.status, 404, `${method} ${target}`);
    }
  });
});

describe('neo-events demo', () => {
  let dir;
  let engine;
  let demo;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'neo-demo-web-'));
    mkdirSync(path.join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'dist', 'index.html'), '<!doctype html><title>portals</title>');
    writeFileSync(path.join(dir, 'dist', 'assets', 'app-1a2b.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'dist', 'assets', 'app-1a2b.css'), 'body{}');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside the portals');
    engine = await demoEngine();
    demo = await startDemo({
      args: ['--web', path.join(dir, 'dist')],
      identity: await demoIdentity(),
      engineEnv: engine.env,
    });
  });

  const clients = [];
  const connect = (token) => {
    const client = new Centrifuge(demo.wsUrl, { token, websocket: WebSocket });
    clients.push(client);
    return client;
  };

  after(async () => {
    for (const c of clients) c.disconnect();
    if (demo && !demo.stopResult) await demo.stop();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the portals with their content types; SPA fallback for portal routes only', T, async () => {
    const index = await rawRequest(demo.url, '/');
    assert.equal(index.status, 200);
    assert.equal(index.type, 'text/html; charset=utf-8');
    assert.match(index.body, /<title>portals/);
    const js = await rawRequest(demo.url, '/assets/app-1a2b.js');
    assert.deepEqual([js.status, js.type, js.body], [200, 'text/javascript; charset=utf-8', 'console.log(1)']);
    assert.match(js.headers['cache-control'], /immutable/);
    assert.equal((await rawRequest(demo.url, '/assets/app-1a2b.css')).type, 'text/css; charset=utf-8');
    for (const route of ['/admin', '/tenant/deployments', '/certification?x=1', '/login']) {
      const res = await rawRequest(demo.url, route);
      assert.deepEqual([res.status, res.body], [200, index.body], route);
    }
    for (const target of ['/nope', '/tenant/missing.js', '/favicon.ico']) {
      assert.equal((await rawRequest(demo.url, target)).status, 404, target);
    }
  });

  it('no path traversal, no directories, GET only', T, async () => {
    for (const target of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      `/${dir}/secret.txt`,
      '/assets',
      '/assets/',
      '/index.html%00',
    ]) {
      const res = await rawRequest(demo.url, target);
      assert.equal(res.status, 404, `${target}: ${res.status} ${res.body.slice(0, 60)}`);
      assert.doesNotMatch(res.body, /outside the portals|root:/);
    }
    const post = await rawRequest(demo.url, '/index.html', 'POST');
    assert.deepEqual([post.status, post.headers.allow], [405, 'GET']);
    // The API is still the API behind it.
    assert.equal((await rawRequest(demo.url, '/health')).status, 200);
  });

  it('demo login: tokens for the demo users (two tenants and the admin) that the server accepts', T, async () => {
    const users = await (await fetch(`${demo.url}/demo/users`)).json();
    assert.deepEqual(
      users.map((u) => [u.user, u.tenant, u.roles[0]]),
      [
        ['admin', '', 'admin'],
        ['u-1-1', '1', 'tenant_admin'],
        ['u-1-2', '1', 'tenant_user'],
        ['u-2-1', '2', 'tenant_admin'],
        ['u-2-2', '2', 'tenant_user'],
      ],
    );
    const { status, body } = await demoLogin(demo, 'u-2-2');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ['name', 'roles', 'tenant', 'token', 'user']);
    assert.deepEqual([body.user, body.tenant], ['u-2-2', '2']);
    const client = connect(body.token);
    const connected = waitFor(client, 'connected');
    client.connect();
    await connected;
    // Its tenant's channels and the demo's certification role; never the other tenant's.
    await subscribe(client, 'tenant:2:deployments');
    await subscribe(client, 'certification:timer:u-2-2');
    await subscribe(client, 'certification:exam:exam-2');
    assert.equal((await subscribeRefused(client, 'tenant:1:deployments')).code, 103);
    assert.equal((await demoLogin(demo, 'mallory')).status, 404);
    const bad = await fetch(`${demo.url}/demo/login`, { method: 'POST', body: 'user=admin' });
    assert.equal(bad.status, 400);
  });

  it('the simulated services publish into it as its child process', T, async () => {
    assert.match(demo.output, /simulated services started/);
    const token = (await demoLogin(demo, 'u-1-1')).body.token;
    const client = connect(token);
    client.connect();
    const { sub } = await subscribe(client, 'tenant:1:dashboard');
    const got = record(sub, 'publication');
    await got.until(2, 5000); // metrics every second
    assert.equal(got.items[0].data.type, 'metrics_update');
    // The child holds none of the server's sockets (its listener above all).
    const children = readdirSync(`/proc/${demo.pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${demo.pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean),
    );
    assert.equal(children.length, 1, `children of the demo: ${children}`);
    const listener = listeningInode(demo.port);
    assert.ok(listener, 'the server listening socket in /proc/net/tcp');
    const fds = readdirSync(`/proc/${children[0]}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${children[0]}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    assert.ok(!fds.includes(`socket:[${listener}]`), `the services hold the listener: ${fds}`);
  });

  it('SIGTERM stops the services with the server; a missing services script leaves the server running', T, async () => {
    const result = await demo.stop();
    assertCleanExit(result);
    assert.match(result.output, /services: SIGTERM, stopping/);
    assert.match(result.output, /services: published \d+ events/);
    const bare = await startDemo({
      args: ['--web', path.join(dir, 'missing'), '--services', path.join(dir, 'none.mjs')],
      identity: await demoIdentity(),
      engineEnv: engine.env,
    });
    try {
      assert.match(bare.output, /simulated services not started: .*none\.mjs not found/);
      assert.match(bare.output, /not found: the portals are not served/);
      assert.equal((await rawRequest(bare.url, '/')).status, 404);
      assert.equal((await rawRequest(bare.url, '/health')).status, 200);
    } finally {
      assertCleanExit(await bare.stop());
    }
  });
});
