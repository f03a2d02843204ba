// deploy/k8s (plain manifests) and deploy/helm/neo-events (the chart, rendered with the subset
// renderer of support/helm.mjs): every object validated with kubernetes-models, and the rules of
// support/k8s.mjs. Negative self-tests for each validator.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { renderChart } from './support/helm.mjs';
import { deploymentProblems, schemaProblems } from './support/k8s.mjs';
import { path, read, tempDir, yaml, yamlAll } from './support/tools.mjs';

const configText = read('deploy/config/neo-events.yaml');
const chartDir = path('deploy/helm/neo-events');

const manifestFiles = readdirSync(path('deploy/k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests = manifestFiles.flatMap((f) => yamlAll(read('deploy/k8s', f), f));

test('deploy/k8s: kustomization.yaml lists every manifest', () => {
  assert.deepEqual(yaml(read('deploy/k8s/kustomization.yaml')).resources.sort(), manifestFiles.sort());
});

test('deploy/k8s: every object is valid for kubernetes-models', () => {
  assert.deepEqual(manifests.map((o) => `${o.kind}`).sort(), [
    'ConfigMap',
    'Deployment',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'Service',
    'Service',
    'ServiceMonitor',
  ]);
  assert.deepEqual(manifests.flatMap(schemaProblems), []);
});

test('deploy/k8s: 3 replicas, probes on the internal port, shutdown timing, non-root read-only, wiring', () => {
  assert.deepEqual(deploymentProblems(manifests, configText), []);
  assert.equal(manifests.find((o) => o.kind === 'Deployment').spec.replicas, 3);
});

test('Helm: Chart.yaml (apiVersion v2) and values.yaml', () => {
  const chart = yaml(read('deploy/helm/neo-events/Chart.yaml'));
  assert.equal(chart.apiVersion, 'v2');
  assert.equal(chart.name, 'neo-events');
  assert.match(chart.version, /^\d+\.\d+\.\d+$/);
  assert.equal(typeof chart.appVersion, 'string');
  const values = yaml(read('deploy/helm/neo-events/values.yaml'));
  assert.equal(values.config, configText, 'values.config is not deploy/config/neo-events.yaml');
});

function renderObjects(options) {
  const rendered = renderChart(chartDir, options);
  return Object.entries(rendered)
    .filter(([f]) => f.endsWith('.yaml'))
    .flatMap(([f, text]) => yamlAll(text, f));
}

test('Helm: the default values render valid objects that keep the deployment rules', () => {
  const objects = renderObjects();
  assert.deepEqual(objects.map((o) => o.kind).sort(), [
    'ConfigMap',
    'Deployment',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'Secret',
    'Service',
    'Service',
    'ServiceMonitor',
  ]);
  assert.deepEqual(objects.flatMap(schemaProblems), []);
  assert.deepEqual(deploymentProblems(objects, configText), []);
  const d = objects.find((o) => o.kind === 'Deployment');
  assert.equal(d.spec.replicas, undefined, 'replicas is left to the HPA');
  assert.match(d.spec.template.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/);
});

test('Helm: existingSecret, no autoscaling, no ServiceMonitor, no PDB', () => {
  const objects = renderObjects({
    values: {
      existingSecret: 'neo-events-secrets',
      autoscaling: { enabled: false },
      serviceMonitor: { enabled: false },
      podDisruptionBudget: { enabled: false },
      env: [{ name: 'NEO_EVENTS_LOG_LEVEL', value: 'debug' }],
    },
    release: { Name: 'events', Namespace: 'neo' },
  });
  assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment', 'Service', 'Service']);
  assert.deepEqual(objects.flatMap(schemaProblems), []);
  assert.deepEqual(deploymentProblems(objects, configText), []);
  const d = objects.find((o) => o.kind === 'Deployment');
  assert.equal(d.spec.replicas, 3);
  const c = d.spec.template.spec.containers[0];
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 'neo-events-secrets' } }]);
  assert.deepEqual(c.env.at(-1), { name: 'NEO_EVENTS_LOG_LEVEL', value: 'debug' });
});

test('Helm: a config change changes the checksum/config annotation (pods roll)', () => {
  const checksum = (values) =>
    renderObjects({ values }).find((o) => o.kind === 'Deployment').spec.template.metadata.annotations[
      'checksum/config'
    ];
  assert.notEqual(checksum({}), checksum({ config: configText.replace('level: info', 'level: debug') }));
  assert.equal(checksum({}), checksum({ replicaCount: 5 }));
});

// Negative self-tests.
test('kubernetes-models and the deployment rules reject deliberately broken objects', () => {
  const broken = yamlAll(read('tests/ops/fixtures/broken-k8s.yaml'));
  const problems = broken.flatMap(schemaProblems).join('\n');
  assert.match(problems, /containerPort must be integer/);
  assert.match(problems, /must have required property selector/);
  assert.match(problems, /PodDisruptionBudget .*maxUnavailable/);
  broken[0].spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'neo-events' } };
  const rules = deploymentProblems(broken, configText);
  for (const want of [
    'pod does not runAsNonRoot',
    'no preStop sleep',
    'liveness probe is undefined on undefined',
    'no secrets through envFrom',
  ]) {
    assert.ok(rules.includes(want), `${want} not among:\n${rules.join('\n')}`);
  }
  assert.ok(
    rules.some((p) => p.startsWith('terminationGracePeriodSeconds 10 <')),
    rules.join('\n'),
  );
});

test('the Helm renderer fails closed on what it does not implement and on missing values', () => {
  const dir = tempDir();
  cpSync(chartDir, dir, { recursive: true });
  const template = join(dir, 'templates', 'extra.yaml');
  writeFileSync(template, 'items:\n{{- range .Values.env }}\n  - x\n{{- end }}\n');
  assert.throws(() => renderChart(dir), /unsupported function range|end outside if/);
  writeFileSync(template, 'name: {{ .Values.nope }}\n');
  assert.throws(() => renderChart(dir), /\.Values\.nope is not set/);
  writeFileSync(template, 'name: {{ .Values.nope | default "x" }}\n');
  assert.throws(() => renderChart(dir), /not set|unsupported/);
  writeFileSync(template, 'res: {{ .Values.resources }}\n');
  assert.throws(() => renderChart(dir), /prints a map or list/);
});
