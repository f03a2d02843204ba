// Checks of deploy/prometheus/alerts.yml beyond promtool's: labels and annotations, runbook
// anchors that exist, metric names from the catalogue, and that alerts_test.yml covers each
// alert firing and staying quiet.
import { check } from './promql.mjs';

// GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'.
export function anchors(markdown) {
  const out = new Set();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    out.add(
      m[1]
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return out;
}

export function rules(doc) {
  return (doc.groups ?? []).flatMap((g) => g.rules ?? []).filter((r) => r.alert);
}

export function checkAlerts(doc, operationsMarkdown) {
  const problems = [];
  const have = anchors(operationsMarkdown);
  const names = new Set();
  for (const r of rules(doc)) {
    if (names.has(r.alert)) problems.push(`${r.alert}: defined twice`);
    names.add(r.alert);
    if (!['critical', 'warning', 'info'].includes(r.labels?.severity)) problems.push(`${r.alert}: no severity label`);
    for (const key of ['summary', 'description', 'runbook_url']) {
      if (!r.annotations?.[key]) problems.push(`${r.alert}: no ${key} annotation`);
    }
    const runbook = /^docs\/operations\.md#(.+)$/.exec(r.annotations?.runbook_url ?? '');
    if (!runbook) problems.push(`${r.alert}: runbook_url is not docs/operations.md#anchor`);
    else if (!have.has(runbook[1])) problems.push(`${r.alert}: docs/operations.md has no heading #${runbook[1]}`);
    for (const p of check(r.expr)) problems.push(`${r.alert}: ${p}`);
  }
  return problems;
}

// Each alert needs an eval where it is expected to fire and one where it is expected quiet.
export function checkCoverage(rulesDoc, testDoc) {
  const firing = new Set();
  const quiet = new Set();
  for (const t of testDoc.tests ?? []) {
    for (const a of t.alert_rule_test ?? []) {
      (a.exp_alerts?.length ? firing : quiet).add(a.alertname);
    }
  }
  const problems = [];
  const defined = new Set(rules(rulesDoc).map((r) => r.alert));
  for (const name of defined) {
    if (!firing.has(name)) problems.push(`${name}: no test where it fires`);
    if (!quiet.has(name)) problems.push(`${name}: no test where it stays quiet`);
  }
  for (const name of new Set([...firing, ...quiet])) {
    if (!defined.has(name)) problems.push(`${name}: tested but not defined`);
  }
  return problems;
}
