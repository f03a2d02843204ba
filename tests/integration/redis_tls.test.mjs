// The Redis engine over TLS and with credentials, end to end (issue 15 item 7): a redis-server
// with a TLS port (a certificate made with the openssl CLI, support/certificates.mjs) and
// requirepass, two neo-events nodes that reach it only through
// `rediss://:<password>@127.0.0.1:<tls port>/2` with engine.redis.tls.ca_file.
//
// 1. Served: a subscriber on node B receives what is published through node A, in order, and
//    the history lives in database 2 of that Redis.
// 2. A certificate from another CA: the node never reports /health 200, publishes answer 100,
//    and the log says why (certificate verify failed).
// 3. A wrong password over TLS: the same, with the AUTH refusal as the reason.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { NAMESPACES, apiPost, assertCleanExit } from './harness.mjs';
import { makeCertificate } from './support/certificates.mjs';
import { cluster, health, startUnserving } from './support/cluster.mjs';
import { assertDelivered, loggedSubscriber } from './support/delivery.mjs';
import { freePort } from './support/ports.mjs';
import { redisCommandAuth } from './support/resp.mjs';

const PASSWORD = 'tls-s3cret';
const CONFIG = {
  namespaces: [...NAMESPACES, { name: 'secure', history_size: 100, history_ttl: '1h', force_recovery: true }],
  roles: { secure_user: { subscribe: ['secure:*'] } },
};
const CHANNEL = 'secure:stream';

/** redis-server with a TLS port besides the plain one (which only the readiness check uses). */
async function tlsRedis(t, c) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-redis-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = makeCertificate(dir, 'redis-server');
  const other = makeCertificate(dir, 'another-ca');
  const tlsPort = await freePort();
  const redis = await c.redis({
    password: PASSWORD,
    args: ['--requirepass', PASSWORD, '--tls-port', String(tlsPort), '--tls-cert-file', server.cert,
      '--tls-key-file', server.key, '--tls-ca-cert-file', server.cert, '--tls-auth-clients', 'no'],
  });
  return { redis, tlsPort, url: (password) => `rediss://:${password}@127.0.0.1:${tlsPort}/2`, ca: server.cert, otherCa: other.cert };
}

describe('redis engine over rediss:// with a password and a database', () => {
  it('two nodes through TLS: delivered across nodes in order, history in database 2', { timeout: 60_000 }, async (t) => {
    const c = cluster(t);
    await c.run(async () => {
      const { redis, url, ca } = await tlsRedis(t, c);
      const tls = { engine: { redis: { tls: { ca_file: ca } } } };
      const A = await c.node('A', [url(PASSWORD)], 'tls', { ...CONFIG, ...tls });
      const B = await c.node('B', [url(PASSWORD)], 'tls', { ...CONFIG, ...tls });
      const sub = await loggedSubscriber(c, B, 'b1', CHANNEL, ['secure_user']);
      const acked = [];
      for (let i = 1; i <= 20; i++) {
        const res = await apiPost(A, 'publish', { channel: CHANNEL, data: { via: 'A', i } });
        assert.ok(res.json?.result, `publish ${i} through A: ${res.text}`);
        acked.push({ via: 'A', i, offset: res.json.result.offset, epoch: res.json.result.epoch });
      }
      const outcomes = await assertDelivered([sub], acked);
      assert.deepEqual(outcomes, { b1: 'whole' });
      const keys = await redisCommandAuth(redis.port, PASSWORD, 'EVAL', "redis.call('SELECT', 2) return redis.call('KEYS', 'tls.stream.*')", '0');
      assert.ok(keys.some((k) => k.includes(CHANNEL)), `the stream in database 2: ${JSON.stringify(keys)}`);
      await c.stopAll();
    });
  });

  it('a certificate the configured CA did not sign: never serving, publishes answer 100, the log says why', { timeout: 60_000 }, async (t) => {
    const c = cluster(t);
    const { url, tlsPort, otherCa } = await tlsRedis(t, c);
    const line = `redis rediss://:***@127.0.0.1:${tlsPort}/2 unreachable: TLS handshake failed: certificate verify failed`;
    const node = await startUnserving(t, { addresses: [url(PASSWORD)], tls: { ca_file: otherCa } }, line);
    assert.equal(await health(node), 503);
    const res = await apiPost(node, 'publish', { channel: 'tenant:1:deployments', data: { k: 1 } });
    assert.equal(res.json?.error?.code, 100, `publish without Redis: ${res.text}`);
    assert.ok(!node.output.includes(PASSWORD), 'the password never reaches the log');
    assertCleanExit(await node.stop());
    assert.ok((await node.started) instanceof Error, 'the node never reported itself serving');
  });

  it('a wrong password over TLS: never serving, the log names the AUTH refusal', { timeout: 60_000 }, async (t) => {
    const c = cluster(t);
    const { url, ca } = await tlsRedis(t, c);
    const node = await startUnserving(t, { addresses: [url('wrong-pass')], tls: { ca_file: ca } }, 'AUTH failed: WRONGPASS');
    assert.equal(await health(node), 503);
    assert.ok(!node.output.includes('wrong-pass'), 'the password never reaches the log');
    assertCleanExit(await node.stop());
    assert.ok((await node.started) instanceof Error, 'the node never reported itself serving');
  });
});
