// TLS on the listener (http.tls): wss and https on one port for every endpoint, TLS 1.3 with
// ALPN http/1.1, and the refusals: plain HTTP sent to the TLS port, a client that never
// finishes its handshake, certificate files the server cannot use.
//
// The certificates are made with the openssl CLI (support/certificates.mjs). `ws` clients are
// given the certificate as their CA (real verification); fetch() cannot be given a CA without undici's Agent, so this
// file lets Node accept the self-signed certificate for fetch (and what centrifuge-js's
// http_stream does through it) with NODE_TLS_REJECT_UNAUTHORIZED=0, for this process only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { describe, it } from 'node:test';

import {
  BIN,
  Centrifuge,
  TEST_TIMEOUT,
  WebSocket,
  apiPost,
  deepMerge,
  tokenFor,
  useServer,
  waitFor,
} from './harness.mjs';
import { makeCertificate as makeCertificateIn } from './support/certificates.mjs';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const T = { timeout: TEST_TIMEOUT };
const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-tls-'));

const makeCertificate = (name) => makeCertificateIn(dir, name);

const first = makeCertificate('first');
const ctx = useServer({ http: { tls: { cert_file: first.cert, key_file: first.key, handshake_timeout: '1s' } } });
const USER = { user: 'u-tls', tenant: '1', roles: ['tenant_user'] };

/** A `ws` WebSocket that verifies the server against `ca`. */
const verifyingWebSocket = (ca) =>
  class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { ca });
    }
  };

/** TLS handshake only: {protocol, alpn, fingerprint (sha256 of the server's certificate)}. */
function peek(port, ca = first.pem) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        const info = {
          protocol: socket.getProtocol(),
          alpn: socket.alpnProtocol,
          fingerprint: socket.getPeerCertificate().fingerprint256,
        };
        socket.end();
        resolve(info);
      },
    );
    socket.once('error', reject);
  });
}

/** Opens a TCP connection and resolves {ms, data} once the server closes it. */
function rawUntilClosed(port, send) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let data = '';
    const socket = net.connect(port, '127.0.0.1', () => send && socket.write(send));
    socket.setEncoding('utf8');
    socket.on('data', (d) => (data += d));
    socket.on('error', () => {}); // a reset is a close too; `close` follows
    socket.on('close', () => resolve({ ms: Date.now() - t0, data }));
    setTimeout(() => reject(new Error(`still open after 5 s; got ${JSON.stringify(data)}`)), 5000).unref();
  });
}

describe('TLS', () => {
  it('TLS 1.3 with ALPN http/1.1, verified against the configured certificate', T, async () => {
    const info = await peek(ctx.server.port);
    assert.equal(info.protocol, 'TLSv1.3');
    assert.equal(info.alpn, 'http/1.1', 'h2 is offered first but only http/1.1 is spoken');
  });

  it('TLS 1.2 is still accepted, TLS 1.1 is not', T, async () => {
    const connect = (maxVersion) =>
      new Promise((resolve) => {
        const s = tls.connect(
          {
            host: '127.0.0.1',
            port: ctx.server.port,
            ca: first.pem,
            servername: 'localhost',
            maxVersion,
            minVersion: 'TLSv1',
          },
          () => {
            resolve(s.getProtocol());
            s.end();
          },
        );
        s.once('error', (e) => resolve(`error: ${e.code}`));
      });
    assert.equal(await connect('TLSv1.2'), 'TLSv1.2');
    assert.match(await connect('TLSv1.1'), /^error: /);
  });

  it('centrifuge-js over wss gets what is published through the https API', T, async () => {
    const { server } = ctx;
    const client = new Centrifuge(server.wsUrl, {
      websocket: verifyingWebSocket(first.pem),
      token: tokenFor(server, USER),
    });
    try {
      const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
      client.connect();
      await connected;
      const sub = client.newSubscription('tenant:1:deployments');
      const subscribed = waitFor(sub, 'subscribed');
      sub.subscribe();
      await subscribed;
      // Several TLS records (16 KiB each) in one WebSocket frame.
      const big = 'x'.repeat(60_000);
      const publication = waitFor(sub, 'publication');
      const reply = await apiPost(server, 'publish', { channel: 'tenant:1:deployments', data: { big } });
      assert.deepEqual(reply.json, { result: { offset: 1, epoch: reply.json.result.epoch } });
      assert.equal((await publication).data.big, big);
    } finally {
      client.disconnect();
    }
  });

  it('the emulated http_stream, uni_sse, uni_http_stream and uni_websocket work over TLS', T, async () => {
    const { server } = ctx;
    const token = tokenFor(server, USER);
    const client = new Centrifuge([{ transport: 'http_stream', endpoint: `${server.url}/connection/http_stream` }], {
      token,
      fetch,
      readableStream: ReadableStream,
      emulationEndpoint: `${server.url}/emulation`,
    });
    try {
      const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
      client.connect();
      assert.equal((await connected).transport, 'http_stream');
      const rpc = await client.rpc('time', {});
      assert.ok(Math.abs(rpc.data.time - Date.now()) < 60_000);
    } finally {
      client.disconnect();
    }
    const connect = encodeURIComponent(JSON.stringify({ token }));
    for (const [method, target, body] of [
      ['GET', `/connection/uni_sse?cf_connect=${connect}`, undefined],
      ['POST', '/connection/uni_http_stream', JSON.stringify({ token })],
    ]) {
      const abort = new AbortController();
      const res = await fetch(`${server.url}${target}`, { method, body, signal: abort.signal });
      assert.equal(res.status, 200, target);
      const reader = res.body.getReader();
      const { value } = await reader.read();
      assert.match(Buffer.from(value).toString('utf8'), /"connect":\{"client":/, target);
      abort.abort();
    }
    const uni = new (verifyingWebSocket(first.pem))(
      `wss://127.0.0.1:${server.port}/connection/uni_websocket?cf_connect=${connect}`,
    );
    const message = await new Promise((resolve, reject) => {
      uni.once('message', (d) => resolve(d.toString('utf8')));
      uni.once('error', reject);
    });
    assert.match(message, /"connect":\{"client":/);
    uni.close();
  });

  it('plain HTTP sent to the TLS port is answered 400 in plain text, then closed', T, async () => {
    const r = await rawUntilClosed(ctx.server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(r.data, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(r.data, /This port speaks TLS: use https:\/\/ or wss:\/\/ to reach it\n$/);
    assert.equal((await apiPost(ctx.server, 'info', {})).status, 200, 'the server serves on');
  });

  it('a client that never finishes its handshake is closed after http.tls.handshake_timeout', T, async () => {
    const silent = await rawUntilClosed(ctx.server.port);
    assert.ok(silent.ms >= 900 && silent.ms < 3000, `closed after ${silent.ms} ms (handshake_timeout 1s)`);
    // Half a ClientHello: still closed at the deadline.
    const partial = await rawUntilClosed(ctx.server.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    assert.ok(partial.ms >= 900 && partial.ms < 3000, `closed after ${partial.ms} ms`);
  });
});

/** Waits until the server's output from `mark` on matches `pattern`. */
async function outputMatching(server, mark, pattern) {
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    if (pattern.test(server.output.slice(mark))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${pattern} not in the server's output:\n${server.output.slice(mark)}`);
}

/** Rewrites the config file with these TLS files and sends SIGHUP; resolves the output mark. */
function reloadWith(server, files) {
  const next = deepMerge(server.config, { http: { tls: { cert_file: files.cert, key_file: files.key } } });
  writeFileSync(server.configFile, JSON.stringify(next, null, 2));
  const mark = server.output.length;
  process.kill(server.pid, 'SIGHUP');
  return mark;
}

describe('TLS certificate reload (SIGHUP)', () => {
  it('new connections get the new certificate; an open wss connection stays and keeps receiving', T, async () => {
    const { server } = ctx;
    const client = new Centrifuge(server.wsUrl, {
      websocket: verifyingWebSocket(first.pem),
      token: tokenFor(server, USER),
    });
    const drops = [];
    client.on('disconnected', (e) => drops.push(e));
    try {
      const connected = waitFor(client, 'connected', 5000, { failOn: ['disconnected'] });
      client.connect();
      await connected;
      const sub = client.newSubscription('tenant:1:notifications');
      const subscribed = waitFor(sub, 'subscribed');
      sub.subscribe();
      await subscribed;

      const second = makeCertificate('second');
      const mark = reloadWith(server, second);
      await outputMatching(server, mark, /config reloaded from /);
      const fingerprint = new X509Certificate(second.pem).fingerprint256;
      assert.equal((await peek(server.port, second.pem)).fingerprint, fingerprint);

      const publication = waitFor(sub, 'publication');
      await apiPost(server, 'publish', { channel: 'tenant:1:notifications', data: { after: 'reload' } });
      assert.deepEqual((await publication).data, { after: 'reload' });
      assert.deepEqual(drops, []);

      // A key that does not match: refused with the exact line, the running certificate stays.
      const refused = reloadWith(server, { cert: second.cert, key: first.key });
      await outputMatching(
        server,
        refused,
        new RegExp(
          `config reload refused: http\\.tls\\.key_file: the key in ${first.key} does not match the certificate in ${second.cert}`,
        ),
      );
      assert.equal((await peek(server.port, second.pem)).fingerprint, fingerprint);
      assert.equal(client.state, 'connected');
    } finally {
      client.disconnect();
    }
  });
});

describe('TLS configuration refused at start', () => {
  it('serve refuses certificate files it cannot use, exactly as checkconfig does', T, () => {
    const other = makeCertificate('other');
    const junk = path.join(dir, 'junk.pem');
    writeFileSync(junk, 'not PEM\n');
    const config = path.join(dir, 'bad-tls.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        http: { listen: '127.0.0.1:0', tls: { cert_file: first.cert, key_file: other.key } },
        client: { token: { hmac_secret: 's' } },
        api: { key: 'k' },
      }),
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NEO_EVENTS_')));
    const serve = spawnSync(BIN, ['serve', '-c', config], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(serve.status, 1);
    assert.equal(
      serve.stderr,
      `config ${config} has problems:\n  http.tls.key_file: the key in ${other.key} does not match the certificate in ${first.cert}\n`,
    );
    const check = spawnSync(BIN, ['checkconfig', '-c', config], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(check.stderr, serve.stderr);
    writeFileSync(
      config,
      JSON.stringify({
        ...JSON.parse(readFileSync(config, 'utf8')),
        http: { listen: '127.0.0.1:0', tls: { cert_file: junk, key_file: first.key } },
      }),
    );
    const junkServe = spawnSync(BIN, ['serve', '-c', config], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(junkServe.status, 1);
    assert.equal(
      junkServe.stderr,
      `config ${config} has problems:\n  http.tls.cert_file: no PEM certificate in ${junk}\n`,
    );
  });
});
