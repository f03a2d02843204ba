// The Dockerfile, read statically (no Docker daemon here), and the scripts it puts in the image:
// the health check (run against a small HTTP server) and runtime-packages.sh (run on a system
// binary).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import test from 'node:test';
import { checkDockerfile } from './support/dockerfile.mjs';
import { path, read } from './support/tools.mjs';

test('Dockerfile: multi-stage on bookworm, built by setup.sh + build.sh release, non-root, HEALTHCHECK, ports', () => {
  assert.deepEqual(checkDockerfile(read('Dockerfile'), read('.dockerignore')), []);
});

test('.dockerignore keeps local builds, node_modules and .git out of the context', () => {
  const lines = read('.dockerignore').split('\n');
  for (const want of ['.git', 'build/', 'node_modules/', '**/node_modules/', '**/dist/'])
    assert.ok(lines.includes(want), want);
});

test('the checks reject a deliberately broken Dockerfile', () => {
  const problems = checkDockerfile(read('tests/ops/fixtures/Dockerfile.broken'), read('.dockerignore'));
  for (const want of [
    'RUN refers to scripts/missing.sh, which does not exist',
    'the build stage does not run scripts/setup.sh',
    'the build stage does not run scripts/build.sh release (got debug)',
    'scripts/build.sh offers no flavour debug',
    "COPY --from=build /out/neo-events: not made by that stage's RUN",
    'COPY deploy/no-such-dir/thing: no such path in the project',
    'the runtime stage does not switch to a non-root USER',
    'no HEALTHCHECK',
    'port 9000 not EXPOSEd',
  ]) {
    assert.ok(problems.includes(want), `${want} not among:\n${problems.join('\n')}`);
  }
});

// A server answering 200 on /health and 503 on /ready, as a draining node does.
async function withServer(fn) {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 503, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`127.0.0.1:${server.address().port}`);
  } finally {
    server.close();
  }
}

// Asynchronous: the server answering it runs in this process.
function healthcheck(addr, urlPath) {
  return new Promise((resolve) => {
    const child = spawn('bash', [path('deploy/docker/healthcheck.sh'), urlPath], {
      env: { ...process.env, NEO_EVENTS_HEALTH_ADDR: addr },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('the image health check passes on 200, fails on 503 and on a closed port', async () => {
  await withServer(async (addr) => {
    assert.equal((await healthcheck(addr, '/health')).code, 0);
    const ready = await healthcheck(addr, '/ready');
    assert.equal(ready.code, 1);
    assert.match(ready.stderr, /503/);
  });
  const closed = await healthcheck('127.0.0.1:1', '/health');
  assert.equal(closed.code, 1);
});

test('runtime-packages.sh maps a binary to the Debian packages of its libraries, and fails on a non-binary', () => {
  const ok = spawnSync(path('deploy/docker/runtime-packages.sh'), ['/bin/bash'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.stdout.split('\n').includes('libc6'), ok.stdout);
  const bad = spawnSync(path('deploy/docker/runtime-packages.sh'), [path('README.md')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /ldd/);
});
