// The simulated services (examples/services/run.mjs) against the real server: run for a few
// seconds, a subscriber sees every catalogue event type in its schema's shape, a deployment goes
// through its whole lifecycle, and the process stops cleanly on --duration and on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
  ADMIN,
  REPO_ROOT,
  VALIDATED_NAMESPACES,
  connectClient,
  record,
  subscribe,
  useServer,
  waitFor,
} from './harness.mjs';
import { EVENT_TYPES, assertCatalogueShape } from './support/catalogue.mjs';

const ctx = useServer({ namespaces: VALIDATED_NAMESPACES });
const RUN = path.join(REPO_ROOT, 'examples', 'services', 'run.mjs');

/** Starts run.mjs; resolves {child, exited (a promise of {code, signal, stdout, stderr})}. */
function runServices(server, args) {
  const child = spawn(process.execPath, [RUN, '--url', server.url, '--api-key', server.apiKey, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

/** Subscribes to every channel the services publish on for tenant `t`; records publications. */
async function watch(server, t) {
  const channels = {
    tenant: ['deployments', 'billing', 'monitoring', 'dashboard', 'notifications', 'presence'].map(
      (c) => `tenant:${t}:${c}`,
    ),
    admin: ['admin:metrics', 'admin:alerts', 'admin:tenants', 'system:metrics'],
    user: [`user:u-${t}-1:notifications`, `certification:timer:u-${t}-1`, `certification:results:u-${t}-1`],
  };
  const { client: tenantAdmin } = await connectClient(server, { user: `ta-${t}`, tenant: t, roles: ['tenant_admin'] });
  const { client: admin } = await connectClient(server, ADMIN);
  const { client: user } = await connectClient(server, { user: `u-${t}-1`, tenant: t, roles: ['tenant_user'] });
  const recs = new Map();
  for (const [client, list] of [
    [tenantAdmin, channels.tenant],
    [admin, channels.admin],
    [user, channels.user],
  ]) {
    for (const ch of list) recs.set(ch, record((await subscribe(client, ch)).sub, 'publication'));
  }
  return recs;
}

describe('simulated services', () => {
  it(
    '--duration 4s: every event type arrives in its schema shape; a deployment completes or fails',
    { timeout: 30_000 },
    async () => {
      const { server } = ctx;
      const recs = await watch(server, 's1');
      const { exited } = runServices(server, ['--tenants', 's1,s2', '--duration', '4s', '--step', '200ms', '--quiet']);
      const result = await exited;
      assert.equal(result.code, 0, `services exited ${result.code}:\n${result.stderr}`);
      assert.match(result.stderr, /duration reached, stopping/);
      assert.match(result.stderr, /published \d+ events .*, 0 failed/);

      const seen = new Map(); // type -> count
      for (const [channel, rec] of recs) {
        assert.ok(rec.items.length > 0, `nothing on ${channel}`);
        if (channel.startsWith('certification:')) continue; // no catalogue types there
        for (const { data } of rec.items) {
          assertCatalogueShape(data, `${channel}: `);
          if (channel.startsWith('admin:') && data.type !== 'metrics_update')
            assert.ok(data.tenantId, `${channel}: tenantId`);
          seen.set(data.type, (seen.get(data.type) ?? 0) + 1);
        }
      }
      assert.deepEqual([...seen.keys()].sort(), EVENT_TYPES);

      // The event service's own figures (server API info) on system:metrics: our 3 watchers and their 13 subscriptions.
      const system = recs.get('system:metrics').items.map((p) => p.data.metrics);
      assert.ok(system[0].connections >= 3 && system[0].subscriptions >= 13, JSON.stringify(system[0]));
      assert.equal(system[0].nodes, 1);
      assert.deepEqual(Object.keys(system[0]).sort(), ['channels', 'connections', 'nodes', 'subscriptions', 'users']);
      // Certification: an exam timer counting down to a fixed instant, and results.
      const timers = recs.get('certification:timer:u-s1-1').items.map((p) => p.data);
      assert.equal(timers[0].type, 'exam_timer');
      assert.equal(timers[0].examId, 'exam-s1');
      assert.ok(timers[0].endsAt > Date.now(), JSON.stringify(timers[0]));
      const results = recs.get('certification:results:u-s1-1').items.map((p) => p.data);
      assert.equal(results[0].type, 'exam_result');
      assert.equal(typeof results[0].score, 'number');

      // A deployment of tenant s1: starting, then running with rising progress, then an end state.
      const updates = recs
        .get('tenant:s1:deployments')
        .items.map((p) => p.data)
        .filter((d) => d.type === 'deployment_update');
      const first = updates[0].deploymentId;
      const lifecycle = updates.filter((d) => d.deploymentId === first);
      assert.equal(lifecycle[0].status, 'starting');
      assert.equal(lifecycle[0].progress, 0);
      const running = lifecycle.filter((d) => d.status === 'running').map((d) => d.progress);
      assert.ok(running.length > 0, JSON.stringify(lifecycle));
      assert.deepEqual(
        running,
        [...running].sort((a, b) => a - b),
      );
      assert.ok(['completed', 'failed'].includes(lifecycle.at(-1).status), JSON.stringify(lifecycle));
    },
  );

  it('SIGTERM stops it cleanly after what was published is delivered', { timeout: 30_000 }, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, 'admin:metrics');
    const { child, exited } = runServices(server, ['--tenants', 's3', '--quiet']);
    await waitFor(sub, 'publication', 10_000);
    child.kill('SIGTERM');
    const result = await exited;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /SIGTERM, stopping/);
    assert.match(result.stderr, /published \d+ events/);
  });

  it('bad arguments: exit 2 with the usage', { timeout: 10_000 }, async () => {
    const { server } = ctx;
    for (const args of [
      ['--tenants', 'a:b'],
      ['--duration', 'soon'],
    ]) {
      const result = await runServices(server, args).exited;
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /usage: node examples\/services\/run\.mjs/);
    }
    const result = await runServices(server, ['--tenants', 'a:b']).exited;
    assert.match(result.stderr, /tenant id "a:b" contains ":"/);
  });
});
