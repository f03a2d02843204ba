// deploy/prometheus: the scrape config and the alert rules, checked and unit-tested with
// promtool, plus our own checks (annotations, runbooks, metric names, test coverage) and
// negative self-tests showing each check can fail.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { checkAlerts, checkCoverage, rules } from './support/alerts.mjs';
import { path, promtool, read, tempDir, toYaml, yaml } from './support/tools.mjs';

const alertsDoc = yaml(read('deploy/prometheus/alerts.yml'));
const testsDoc = yaml(read('deploy/prometheus/alerts_test.yml'));
const operations = read('docs/operations.md');

test('promtool: prometheus.yml is a valid config and finds alerts.yml', () => {
  const r = promtool('check', 'config', path('deploy/prometheus/prometheus.yml'));
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: 1 rule files found/);
});

test('prometheus.yml scrapes the internal port every 5 s as job neo-events', () => {
  const config = yaml(read('deploy/prometheus/prometheus.yml'));
  const job = config.scrape_configs.find((j) => j.job_name === 'neo-events');
  assert.ok(job, 'no neo-events job');
  assert.equal(job.scrape_interval, '5s');
  assert.equal(job.metrics_path, '/metrics');
  assert.equal(job.dns_sd_configs[0].port, 9000);
  assert.deepEqual(config.rule_files, ['alerts.yml']);
});

test('promtool: alerts.yml parses', () => {
  const r = promtool('check', 'rules', path('deploy/prometheus/alerts.yml'));
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, new RegExp(`SUCCESS: ${rules(alertsDoc).length} rules found`));
});

test('promtool: every alert unit test in alerts_test.yml passes', () => {
  const r = promtool('test', 'rules', path('deploy/prometheus/alerts_test.yml'));
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

test('the alerts of the seeds and of the operator checklist exist', () => {
  const names = rules(alertsDoc).map((r) => r.alert);
  for (const name of [
    'NeoEventsDown', // the seeds' CentrifugoDown
    'NeoEventsHighDeliveryLatency', // the seeds' HighLatency, on delivery ...
    'NeoEventsHighApiLatency', // ... and on the server API
    'NeoEventsConnectionDrop',
    'NeoEventsHighConnectionCount',
    'NeoEventsNotReady',
    'NeoEventsConnectionsNearLimit',
    'NeoEventsConnectionsRefused',
    'NeoEventsSlowClientDisconnects',
    'NeoEventsRedisPubSubErrors',
    'NeoEventsRecoveryFailures',
  ]) {
    assert.ok(names.includes(name), `${name} missing`);
  }
});

test('every alert has severity, summary, description, a runbook heading in docs/operations.md and catalogue metrics', () => {
  assert.deepEqual(checkAlerts(alertsDoc, operations), []);
});

test('alerts_test.yml has a firing and a quiet case for every alert', () => {
  assert.deepEqual(checkCoverage(alertsDoc, testsDoc), []);
});

test('each alert made unable to fire breaks its unit test (the tests really test the rules)', () => {
  const dir = tempDir();
  for (const rule of rules(alertsDoc)) {
    const mutated = structuredClone(alertsDoc);
    for (const g of mutated.groups) for (const r of g.rules) if (r.alert === rule.alert) r.expr = 'vector(1) < 0';
    const rulesFile = join(dir, `alerts-${rule.alert}.yml`);
    const testFile = join(dir, `alerts_test-${rule.alert}.yml`);
    writeFileSync(rulesFile, toYaml(mutated));
    writeFileSync(testFile, toYaml({ ...testsDoc, rule_files: [rulesFile] }));
    const r = promtool('test', 'rules', testFile);
    assert.notEqual(r.status, 0, `${rule.alert} never fires, yet alerts_test.yml passes`);
    assert.match(r.output, new RegExp(`alertname: ${rule.alert},`));
  }
});

// Negative self-tests of the checks themselves.
test('promtool fails a unit test that expects an alert while it is still pending', () => {
  const r = promtool('test', 'rules', path('tests/ops/fixtures/alerts_test_wrong.yml'));
  assert.notEqual(r.status, 0, r.output);
  assert.match(r.output, /FAILED/);
});

test('the coverage check names alerts without a firing or a quiet case', () => {
  const problems = checkCoverage(alertsDoc, yaml(read('tests/ops/fixtures/alerts_test_wrong.yml')));
  assert.ok(problems.includes('NeoEventsDown: no test where it stays quiet'), problems.join('\n'));
  assert.ok(problems.includes('NeoEventsNotReady: no test where it fires'), problems.join('\n'));
});

test('the annotation check rejects a missing runbook, a bad severity, a missing anchor and an unknown metric', () => {
  const problems = checkAlerts(yaml(read('tests/ops/fixtures/alerts_broken.yml')), operations);
  for (const want of [
    'NoRunbook: no runbook_url annotation',
    'MissingAnchor: no severity label',
    'MissingAnchor: docs/operations.md has no heading #no-such-heading',
    'MissingAnchor: unknown metric centrifugo_connections_total',
  ]) {
    assert.ok(problems.includes(want), `${want} not among:\n${problems.join('\n')}`);
  }
});
