// Kubernetes objects: schema validation with kubernetes-models (types, required fields, formats;
// it does not reject unknown fields, which `kubectl apply --dry-run=server` would), and the
// rules of the neo-events deployment (probes, shutdown timing, security, wiring).
import { createRequire } from 'node:module';
import { deployConfig, seconds } from './tools.mjs';

const require = createRequire(import.meta.url);
const models = {
  'v1/ConfigMap': () => require('kubernetes-models/v1').ConfigMap,
  'v1/Secret': () => require('kubernetes-models/v1').Secret,
  'v1/Service': () => require('kubernetes-models/v1').Service,
  'apps/v1/Deployment': () => require('kubernetes-models/apps/v1').Deployment,
  'policy/v1/PodDisruptionBudget': () => require('kubernetes-models/policy/v1').PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': () => require('kubernetes-models/autoscaling/v2').HorizontalPodAutoscaler,
  'monitoring.coreos.com/v1/ServiceMonitor': () =>
    require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1').ServiceMonitor,
};

export function schemaProblems(obj) {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = models[key]?.();
  if (!Model) return [`${key}: no model to validate it with`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [`${key} ${obj.metadata?.name}: ${e.message}`];
  }
}

const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

export function deploymentProblems(objects, configText) {
  const problems = [];
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const [deployment] = of('Deployment');
  if (!deployment) return ['no Deployment'];
  const pod = deployment.spec.template.spec;
  const podLabels = deployment.spec.template.metadata.labels;
  if (!matches(deployment.spec?.selector?.matchLabels, podLabels))
    problems.push('Deployment selector does not match its pods');
  const c = pod.containers.find((x) => x.name === 'neo-events');
  if (!c) return [...problems, 'no container neo-events'];
  const port = (name) => c.ports?.find((p) => p.name === name)?.containerPort;
  if (port('http') !== 8000) problems.push('container port http is not 8000');
  if (port('internal') !== 9000) problems.push('container port internal is not 9000');
  const probe = (p) => `${p?.httpGet?.path} on ${p?.httpGet?.port}`;
  if (probe(c.livenessProbe) !== '/health on internal') problems.push(`liveness probe is ${probe(c.livenessProbe)}`);
  if (probe(c.readinessProbe) !== '/ready on internal') problems.push(`readiness probe is ${probe(c.readinessProbe)}`);
  const sleep = c.lifecycle?.preStop?.exec?.command;
  if (!(sleep?.[0] === 'sleep' && Number(sleep[1]) > 0)) problems.push('no preStop sleep');
  const config = deployConfig();
  const needed = Number(sleep?.[1] ?? 0) + seconds(config.shutdown.drain_delay) + seconds(config.shutdown.timeout) + 5;
  if (!(pod.terminationGracePeriodSeconds >= needed)) {
    problems.push(
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} < preStop + drain_delay + timeout + 5 = ${needed}`,
    );
  }
  if (pod.securityContext?.runAsNonRoot !== true) problems.push('pod does not runAsNonRoot');
  if (c.securityContext?.readOnlyRootFilesystem !== true) problems.push('root filesystem is writable');
  if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push('privilege escalation allowed');
  if (!c.securityContext?.capabilities?.drop?.includes('ALL')) problems.push('capabilities not dropped');
  if (!c.envFrom?.some((e) => e.secretRef?.name)) problems.push('no secrets through envFrom');
  if (!c.args?.includes('/etc/neo-events/neo-events.yaml'))
    problems.push('not started with /etc/neo-events/neo-events.yaml');
  const configVolume = pod.volumes?.find((v) => v.configMap);
  const configMap = of('ConfigMap').find((m) => m.metadata.name === configVolume?.configMap.name);
  if (!configMap) problems.push('the config volume names no ConfigMap of these objects');
  else if (configMap.data?.['neo-events.yaml'] !== configText)
    problems.push('the ConfigMap is not deploy/config/neo-events.yaml');
  const services = of('Service');
  const public_ = services.find((s) => s.spec?.ports?.some((p) => p.port === 8000 && p.targetPort === 'http'));
  const internal = services.find((s) => s.spec?.ports?.some((p) => p.port === 9000 && p.targetPort === 'internal'));
  if (!public_ || !matches(public_.spec.selector, podLabels))
    problems.push('no public Service on 8000 selecting the pods');
  if (!internal || !matches(internal.spec.selector, podLabels))
    problems.push('no internal Service on 9000 selecting the pods');
  if (public_ && internal && public_.spec?.ports?.some((p) => p.port === 9000))
    problems.push('the public Service exposes 9000');
  const [monitor] = of('ServiceMonitor');
  if (monitor) {
    if (!internal || !matches(monitor.spec?.selector?.matchLabels, internal.metadata.labels))
      problems.push('ServiceMonitor does not select the internal Service');
    if (public_ && matches(monitor.spec?.selector?.matchLabels, public_.metadata.labels))
      problems.push('ServiceMonitor also selects the public Service');
    if (monitor.spec?.endpoints?.[0]?.port !== 'internal' || monitor.spec?.endpoints?.[0]?.path !== '/metrics')
      problems.push('ServiceMonitor does not scrape internal /metrics');
    if (internal && monitor.spec.jobLabel && internal.metadata.labels[monitor.spec.jobLabel] !== 'neo-events')
      problems.push('ServiceMonitor job would not be "neo-events"');
  }
  const [pdb] = of('PodDisruptionBudget');
  if (pdb && !matches(pdb.spec?.selector?.matchLabels, podLabels))
    problems.push('PodDisruptionBudget does not select the pods');
  const [hpa] = of('HorizontalPodAutoscaler');
  if (hpa && hpa.spec?.scaleTargetRef?.name !== deployment.metadata.name)
    problems.push('HorizontalPodAutoscaler targets another Deployment');
  return problems;
}
