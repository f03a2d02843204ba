// scripts/local-cluster.sh, the seeds' topology from one command (docs/scaling.md): on free
// ports, `up` starts a Redis Cluster of 3 masters + 3 replicas and 3 neo-events nodes with the
// deployment config; a centrifuge-js client on node-3 receives what a service publishes through
// node-1's internal API; `status` reports it all ready; `down` leaves nothing running; a second
// `up` while it runs is refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { BIN, Centrifuge, REPO_ROOT, WebSocket, freePort, waitFor } from './harness.mjs';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts/local-cluster.sh');
const CONFIG = path.join(REPO_ROOT, 'deploy/config/neo-events.yaml');

async function ports(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await freePort());
  return out;
}

/** Runs the script; resolves {code, stdout, stderr} whatever the exit code. */
async function script(env, ...args) {
  try {
    const { stdout, stderr } = await run(SCRIPT, args, { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const secretsOf = (dir) =>
  Object.fromEntries(readFileSync(path.join(dir, 'secrets.env'), 'utf8').trim().split('\n').map((l) => l.split('=')));

describe('scripts/local-cluster.sh: the seeds topology on one machine', () => {
  it('up, a publication through node-1 reaches a subscriber on node-3, status, down', { timeout: 240_000 }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-local-cluster-'));
    const [redis, bus, nodes, internal] = [await ports(6), await ports(6), await ports(3), await ports(3)];
    const env = {
      NEO_CLUSTER_DIR: dir,
      NEO_CLUSTER_REDIS_PORTS: redis.join(' '),
      NEO_CLUSTER_REDIS_BUS_PORTS: bus.join(' '),
      NEO_CLUSTER_NODE_PORTS: nodes.join(' '),
      NEO_CLUSTER_INTERNAL_PORTS: internal.join(' '),
      NEO_EVENTS_BIN: BIN,
    };
    let client;
    t.after(async () => {
      client?.disconnect();
      await script(env, 'down');
      rmSync(dir, { recursive: true, force: true });
    });

    const up = await script(env, 'up');
    assert.equal(up.code, 0, `up failed: ${up.stderr}\n${up.stdout}`);
    assert.match(up.stdout, /local-cluster: up/);

    const again = await script(env, 'up');
    assert.equal(again.code, 1, 'a second up while it runs is refused');
    assert.match(again.stderr, /already running \(pid file .*\): scripts\/local-cluster.sh down first/);

    const status = await script(env, 'status');
    assert.equal(status.code, 0);
    assert.match(status.stdout, /redis cluster: ok, 3 masters \+ 3 replicas/);
    for (const n of [1, 2, 3]) assert.match(status.stdout, new RegExp(`node-${n}: ready`));

    const secrets = secretsOf(dir);
    const { stdout: token } = await run(BIN, ['gentoken', '-c', CONFIG, '--user', 'u-1', '--tenant', '1', '--role', 'tenant_admin'], {
      env: { ...process.env, ...secrets },
    });
    client = new Centrifuge(`ws://127.0.0.1:${nodes[2]}/connection/websocket`, { websocket: WebSocket, token: token.trim() });
    const sub = client.newSubscription('tenant:1:deployments');
    const subscribed = waitFor(sub, 'subscribed', 10_000, { failOn: ['unsubscribed'] });
    sub.subscribe();
    client.connect();
    await subscribed;

    const event = { type: 'deployment_update', deploymentId: 'd1', status: 'running', timestamp: '2026-12-06T10:00:00Z' };
    const received = waitFor(sub, 'publication', 10_000);
    const res = await fetch(`http://127.0.0.1:${internal[0]}/api/publish`, {
      method: 'POST',
      headers: { 'X-API-Key': secrets.NEO_EVENTS_API_KEY },
      body: JSON.stringify({ channel: 'tenant:1:deployments', data: event }),
    });
    const reply = await res.json();
    assert.equal(res.status, 200);
    assert.equal(reply.error, undefined, `publish through node-1: ${JSON.stringify(reply)}`);
    assert.deepEqual((await received).data, event);
    client.disconnect();

    const down = await script(env, 'down');
    assert.equal(down.code, 0, down.stderr);
    const after = await script(env, 'status');
    assert.match(after.stdout, /local-cluster: nothing runs/);
    for (const port of [...redis, ...nodes]) {
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }), `port ${port} is closed after down`);
    }
  });

  it('refuses port lists of the wrong length with a clear message', async () => {
    const r = await script({ NEO_CLUSTER_REDIS_PORTS: '7000 7001', NEO_CLUSTER_DIR: os.tmpdir() }, 'up');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'local-cluster: NEO_CLUSTER_REDIS_PORTS and _BUS_PORTS need six ports each');
    const usage = await script({}, 'sideways');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: .*local-cluster.sh up\|status\|down/);
  });
});
