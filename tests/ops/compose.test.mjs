// deploy/compose/docker-compose.yml against the Compose Specification's JSON Schema (vendored
// in tests/ops/vendor/compose-spec, see its README), plus what the deployment relies on.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import test from 'node:test';
import Ajv from 'ajv';
import { deployConfig, path, read, seconds, yaml } from './support/tools.mjs';

const schema = JSON.parse(read('tests/ops/vendor/compose-spec/compose-spec.json'));
delete schema.$schema; // "https://json-schema.org/draft-07/schema": Ajv's default draft-07, spelled differently
const validateSchema = new Ajv({ strict: false, allErrors: true }).compile(schema);

function schemaErrors(doc) {
  return validateSchema(doc) ? [] : validateSchema.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
}

// What the deployment needs beyond the schema.
function checkCompose(doc, dir) {
  const problems = [];
  const services = doc.services ?? {};
  for (const [name, s] of Object.entries(services)) {
    if (!s.healthcheck?.test) problems.push(`${name}: no healthcheck`);
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.source;
      if (/^\.\.?\//.test(source) && !existsSync(resolve(dir, source)))
        problems.push(`${name}: ${source} does not exist`);
    }
  }
  const ev = services['neo-events'];
  if (!ev) return [...problems, 'no neo-events service'];
  if (ev.user !== '10001:10001') problems.push('neo-events: not running as uid 10001');
  if (ev.read_only !== true) problems.push('neo-events: root filesystem not read-only');
  if (!(ev.deploy?.replicas >= 2)) problems.push('neo-events: fewer than 2 replicas');
  const config = deployConfig();
  const needed = seconds(config.shutdown.drain_delay) + seconds(config.shutdown.timeout) + 5;
  if (!(seconds(ev.stop_grace_period ?? '10s') >= needed)) {
    problems.push(
      `neo-events: stop_grace_period ${ev.stop_grace_period} < shutdown.drain_delay + shutdown.timeout + 5s (${needed}s)`,
    );
  }
  const env = ev.environment ?? {};
  for (const key of ['NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET', 'NEO_EVENTS_API_KEY']) {
    if (!/^\$\{\w+:\?/.test(env[key] ?? '')) problems.push(`neo-events: ${key} is not a required variable from .env`);
  }
  if (!(ev.volumes ?? []).some((v) => v.startsWith('../config/neo-events.yaml:/etc/neo-events/neo-events.yaml'))) {
    problems.push('neo-events: deploy/config/neo-events.yaml not mounted');
  }
  const redis = services.redis;
  if (!redis || !(redis.command ?? []).join(' ').includes('--appendonly yes'))
    problems.push('redis: no AOF (--appendonly yes)');
  return problems;
}

const dir = path('deploy/compose');
const compose = yaml(read('deploy/compose/docker-compose.yml'));

test('docker-compose.yml is valid against the Compose Specification schema', () => {
  assert.deepEqual(schemaErrors(compose), []);
});

test('docker-compose.yml: healthchecks, non-root read-only replicas, secrets from .env, Redis AOF, grace period', () => {
  assert.deepEqual(checkCompose(compose, dir), []);
});

test('Traefik routes the public port on websecure with the letsencrypt resolver, and health-checks /ready', () => {
  const labels = compose.services['neo-events'].labels;
  for (const want of [
    'traefik.enable=true',
    'traefik.http.routers.neo-events.entrypoints=websecure',
    'traefik.http.routers.neo-events.tls.certresolver=letsencrypt',
    'traefik.http.services.neo-events.loadbalancer.server.port=8000',
    'traefik.http.services.neo-events.loadbalancer.healthcheck.path=/ready',
    'traefik.http.services.neo-events.loadbalancer.healthcheck.port=9000',
  ]) {
    assert.ok(labels.includes(want), `${want} missing`);
  }
});

test('Prometheus and Grafana get the files of deploy/prometheus and deploy/grafana', () => {
  const prom = compose.services.prometheus.volumes.join('\n');
  assert.ok(prom.includes('../prometheus:/etc/prometheus:ro'), prom);
  const grafana = compose.services.grafana.volumes.join('\n');
  assert.ok(grafana.includes('../grafana/dashboards:/var/lib/grafana/dashboards/neo-events'), grafana);
  assert.ok(grafana.includes('../grafana/provisioning:/etc/grafana/provisioning'), grafana);
  // prometheus.yml finds the replicas by the service name
  const scrape = yaml(read('deploy/prometheus/prometheus.yml')).scrape_configs.find((j) => j.job_name === 'neo-events');
  assert.deepEqual(scrape.dns_sd_configs[0].names, ['neo-events']);
});

test('.env.example names every variable the compose file requires', () => {
  const required = [...read('deploy/compose/docker-compose.yml').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
  const example = read('deploy/compose/.env.example');
  for (const name of new Set(required)) assert.match(example, new RegExp(`^${name}=`, 'm'));
});

// Negative self-tests.
test('the schema and the checks reject a broken compose file', () => {
  const broken = yaml(read('tests/ops/fixtures/broken-compose.yml'));
  const errors = schemaErrors(broken);
  assert.ok(
    errors.some((e) => e.includes('/services/neo-events/restart')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.includes('must NOT have additional properties')),
    errors.join('\n'),
  );
  const problems = checkCompose(broken, dir);
  for (const want of [
    'neo-events: no healthcheck',
    'neo-events: not running as uid 10001',
    'neo-events: fewer than 2 replicas',
    'neo-events: ../config/no-such-file.yaml does not exist',
    'redis: no AOF (--appendonly yes)',
  ]) {
    assert.ok(problems.includes(want), `${want} not among:\n${problems.join('\n')}`);
  }
  assert.ok(
    problems.some((p) => p.startsWith('neo-events: stop_grace_period 5s')),
    problems.join('\n'),
  );
});
