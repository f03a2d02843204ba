// The command line (spec §2): genconfig, checkconfig, gentoken, publish, --version, and a
// server started from a generated config with environment overrides.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BIN, TEST_TIMEOUT, assertCleanExit, freePort, rawWs } from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-cli-'));
const configFile = path.join(dir, 'neo-events.yaml');

function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NEO_EVENTS_')) env[k] = v;
  return { ...env, ...extra };
}

function run(args, env = {}) {
  const r = spawnSync(BIN, args, { cwd: dir, env: cleanEnv(env), encoding: 'utf8', timeout: 15000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('neo-events CLI', () => {
  it('--version and --help', T, () => {
    const version = run(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^neo-events \d+\.\d+\.\d+/);
    const help = run(['--help']);
    assert.equal(help.code, 0);
    for (const sub of ['serve', 'checkconfig', 'genconfig', 'gentoken', 'publish', 'events']) assert.match(help.stdout, new RegExp(sub));
  });

  it('genconfig writes a config that checkconfig accepts, and never overwrites', T, () => {
    const gen = run(['genconfig', configFile]);
    assert.equal(gen.code, 0, gen.stderr);
    const text = readFileSync(configFile, 'utf8');
    assert.match(text, /^#/m, 'the generated config is commented');
    for (const ns of ['tenant', 'admin', 'system', 'user', 'certification']) assert.match(text, new RegExp(`name: ${ns}`));
    assert.equal(run(['checkconfig', '-c', configFile]).code, 0);
    const again = run(['genconfig', configFile]);
    assert.equal(again.code, 1);
    assert.equal(readFileSync(configFile, 'utf8'), text);
    const toStdout = run(['genconfig', '-']);
    assert.equal(toStdout.code, 0);
    assert.match(toStdout.stdout, /hmac_secret:/);
  });

  // The config the Dockerfile, compose file, manifests and Helm chart ship: secrets come from
  // the environment there (NEO_EVENTS_*), so it is checked as the container would run it.
  it('checkconfig accepts deploy/config/neo-events.yaml with the secrets from the environment', T, () => {
    const file = new URL('../../deploy/config/neo-events.yaml', import.meta.url).pathname;
    const secrets = { NEO_EVENTS_API_KEY: 'k'.repeat(32), NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET: 's'.repeat(32) };
    const ok = run(['checkconfig', '-c', file], secrets);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const missing = run(['checkconfig', '-c', file]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout + missing.stderr, /api\.key: must be set/);
  });

  it('checkconfig names every bad key path and exits 1', T, () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'client:\n  ping_interval: soon\n  tokne: {}\nengine:\n  type: mongo\n');
    const r = run(['checkconfig', '-c', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /client\.ping_interval/);
    assert.match(r.stderr, /client\.tokne/);
    assert.match(r.stderr, /engine\.type/);
    const missing = run(['checkconfig', '-c', path.join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read/);
  });

  it('checkconfig and serve refuse a broken config alike, listing every problem at once', T, () => {
    // Problems only the environment shows: files, keys, the audit file, a Redis address.
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      [
        'http:',
        '  listen: 127.0.0.1:0',
        `  tls: { cert_file: ${dir}/missing-cert.pem, key_file: ${dir}/missing-key.pem }`,
        `client: { token: { hmac_secret: s, rsa_public_key: ${dir}/missing-rsa.pem } }`,
        'api: { key: k }',
        `audit: { file: ${dir} }`,
        'engine: { type: redis, redis: { addresses: ["redis://:6379"] } }',
        '',
      ].join('\n'),
    );
    const expected = [
      `config ${broken} has problems:`,
      `  http.tls.cert_file: cannot read ${dir}/missing-cert.pem: No such file or directory`,
      `  http.tls.key_file: cannot read ${dir}/missing-key.pem: No such file or directory`,
      `  client.token.rsa_public_key: cannot read ${dir}/missing-rsa.pem`,
      `  audit.file: ${dir} is a directory`,
      "  engine.redis.addresses[0]: redis address 'redis://:6379': host is empty",
    ];
    const check = run(['checkconfig', '-c', broken]);
    assert.equal(check.code, 1);
    assert.deepEqual(check.stderr.trimEnd().split('\n'), expected);
    const serve = run(['serve', '-c', broken]);
    assert.equal(serve.code, 1);
    assert.equal(serve.stderr, check.stderr, 'serve refuses with the very same report');
  });

  it('an environment override with a bad value is refused, naming the variable', T, () => {
    const r = run(['checkconfig', '-c', configFile], { NEO_EVENTS_CLIENT_PING_INTERVAL: 'often' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /NEO_EVENTS_CLIENT_PING_INTERVAL/);
  });

  it('gentoken refuses identities with forbidden characters', T, () => {
    const r = run(['gentoken', '-c', configFile, '--user', 'u1', '--tenant', 'a:b']);
    assert.equal(r.code, 1);
    assert.equal(run(['gentoken', '-c', configFile, '--user', 'u1', '--ttl', 'forever']).code, 1);
  });

  describe('with a server from the generated config', () => {
    let server;
    let port;
    let exited;
    before(async () => {
      port = await freePort();
      server = spawn(BIN, ['serve', '-c', configFile], {
        cwd: dir,
        env: cleanEnv({ NEO_EVENTS_HTTP_LISTEN: `127.0.0.1:${port}`, NEO_EVENTS_HTTP_ALLOWED_ORIGINS: '*' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      server.stderr.on('data', (d) => (stderr += d));
      exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal, stderr })));
      for (let i = 0; i < 150; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
        if (ok) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('server did not become healthy');
    });
    after(async () => {
      server.kill('SIGTERM');
      const result = await exited;
      assertCleanExit({ ...result, output: result.stderr, exitedBeforeStop: false, killed: false });
    });

    it('a gentoken token connects; `publish` reaches the subscriber', T, async () => {
      const env = { NEO_EVENTS_HTTP_LISTEN: `127.0.0.1:${port}` };
      const token = run(['gentoken', '-c', configFile, '--user', 'cli-user', '--tenant', '7', '--role', 'tenant_user'], env);
      assert.equal(token.code, 0, token.stderr);
      const r = rawWs(`ws://127.0.0.1:${port}/connection/websocket`);
      await r.opened;
      const connected = await r.connect(token.stdout.trim());
      assert.ok(connected.connect.client, JSON.stringify(connected));
      const sub = await r.request('subscribe', { channel: 'tenant:7:deployments' });
      assert.ok(sub.subscribe, JSON.stringify(sub));
      // The generated config validates tenant events: free-form data is refused with 107.
      const freeform = run(['publish', '-c', configFile, '--channel', 'tenant:7:deployments', '--data', '{"via":"cli"}'], env);
      assert.equal(freeform.code, 1);
      assert.match(freeform.stdout, /"code":107,"message":"invalid event: \/type: is required"/);
      const event = ['publish', '-c', configFile, '--event', 'deployment_update', '--tenant', '7'];
      const fields = ['--field', 'deploymentId=d1', '--field', 'status=running'];
      const published = run([...event, ...fields, '--field', 'progress=40', '--field', 'data={"via":"cli"}'], env);
      assert.equal(published.code, 0, published.stdout + published.stderr);
      assert.match(published.stdout, /"offset":1/);
      const push = await r.message((m) => m.push && m.push.pub);
      const { timestamp, ...rest } = push.push.pub.data;
      assert.deepEqual(rest, { type: 'deployment_update', deploymentId: 'd1', status: 'running', progress: 40, data: { via: 'cli' } });
      assert.ok(Math.abs(Date.parse(timestamp) - Date.now()) < 60_000, timestamp);
      assert.match(timestamp, /Z$/);
      // Bad fields are caught before anything is sent.
      const tooFar = run([...event, ...fields, '--field', 'progress=140'], env);
      assert.equal(tooFar.code, 1);
      assert.match(tooFar.stderr, /invalid event for tenant:7:deployments: \/progress: must be <= 100/);
      const notNumber = run([...event, ...fields, '--field', 'progress=lots'], env);
      assert.equal(notNumber.code, 1);
      assert.match(notNumber.stderr, /--field progress: expected a number, got "lots"/);
      const unknownType = run(['publish', '-c', configFile, '--event', 'deployment_party', '--tenant', '7'], env);
      assert.equal(unknownType.code, 1);
      assert.match(unknownType.stderr, /no event type "deployment_party"/);
      const noChannel = run(['publish', '-c', configFile, '--event', 'deployment_log', ...fields], env);
      assert.equal(noChannel.code, 1);
      assert.match(noChannel.stderr, /give --tenant, --user or --channel/);
      const neither = run(['publish', '-c', configFile, '--channel', 'tenant:7:deployments'], env);
      assert.equal(neither.code, 1);
      assert.match(neither.stderr, /give --channel with --data, or --event/);
      // The next publication the subscriber sees is the CLI's next good one: nothing bad got out.
      const log = run([...event.slice(0, 4), 'deployment_log', '--tenant', '7', '--field', 'deploymentId=d1', '--field', 'log=done', '--field', 'level=info'], env);
      assert.equal(log.code, 0, log.stdout + log.stderr);
      const next = await r.message((m) => m.push && m.push.pub && m.push.pub.offset === 2);
      assert.equal(next.push.pub.data.type, 'deployment_log');
      const refused = run(['publish', '-c', configFile, '--channel', 'nope:x', '--data', '{}'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /"code":102/);
      r.ws.close();
    });
  });
});
