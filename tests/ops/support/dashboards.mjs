// Structure checks of a Grafana dashboard JSON (Grafana cannot run here), and the PromQL it
// holds, for promtool and the metric catalogue.
import { check, substitute, variablesIn, lookup } from './promql.mjs';

const builtins = new Set(['__rate_interval', '__interval', '__range', '__interval_ms', '__range_s']);
const panelTypes = new Set(['row', 'text', 'timeseries', 'stat', 'bargauge', 'heatmap', 'table', 'gauge']);

export function flatPanels(dashboard) {
  const out = [];
  for (const p of dashboard.panels ?? []) {
    out.push(p);
    for (const inner of p.panels ?? []) out.push(inner);
  }
  return out;
}

// Every query of the dashboard: panel targets and the selectors of query variables.
export function queries(dashboard) {
  const out = [];
  for (const p of flatPanels(dashboard)) {
    for (const t of p.targets ?? []) out.push({ where: `panel ${p.id} "${p.title}" ${t.refId}`, expr: t.expr });
  }
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q ?? '');
    if (m) out.push({ where: `variable ${v.name}`, expr: m[1], label: m[2] });
    else out.push({ where: `variable ${v.name}`, expr: q ?? '', unsupported: true });
  }
  return out;
}

export function validate(dashboard) {
  const problems = [];
  for (const key of ['uid', 'title'])
    if (typeof dashboard[key] !== 'string' || !dashboard[key]) problems.push(`no ${key}`);
  if (typeof dashboard.schemaVersion !== 'number') problems.push('no schemaVersion');
  if (!Array.isArray(dashboard.panels) || !dashboard.panels.length) problems.push('no panels');
  const variables = dashboard.templating?.list ?? [];
  const names = new Set();
  for (const v of variables) {
    if (names.has(v.name)) problems.push(`variable ${v.name} defined twice`);
    names.add(v.name);
  }
  const ds = variables.find((v) => v.name === 'datasource');
  if (!ds || ds.type !== 'datasource' || ds.query !== 'prometheus')
    problems.push('no datasource variable of type prometheus');
  for (const name of ['job', 'instance']) {
    if (variables.find((v) => v.name === name)?.type !== 'query') problems.push(`no query variable ${name}`);
  }
  const known = (name) => names.has(name) || builtins.has(name);

  const ids = new Set();
  const boxes = [];
  for (const p of flatPanels(dashboard)) {
    const label = `panel ${p.id} "${p.title}"`;
    if (!Number.isInteger(p.id)) problems.push(`${label}: id is not an integer`);
    else if (ids.has(p.id)) problems.push(`${label}: duplicate id ${p.id}`);
    ids.add(p.id);
    if (!panelTypes.has(p.type)) problems.push(`${label}: unknown type ${p.type}`);
    const g = p.gridPos;
    if (!g || !['h', 'w', 'x', 'y'].every((k) => Number.isInteger(g[k]) && g[k] >= 0)) {
      problems.push(`${label}: gridPos needs integer h, w, x, y`);
    } else {
      if (g.w < 1 || g.x + g.w > 24) problems.push(`${label}: gridPos outside the 24 columns`);
      if (g.h < 1) problems.push(`${label}: gridPos height 0`);
      for (const b of boxes) {
        if (g.x < b.x + b.w && b.x < g.x + g.w && g.y < b.y + b.h && b.y < g.y + g.h) {
          problems.push(`${label}: overlaps panel ${b.id}`);
        }
      }
      boxes.push({ ...g, id: p.id });
    }
    if (p.type === 'row' || p.type === 'text') continue;
    if (p.datasource?.uid !== '${datasource}') problems.push(`${label}: datasource is not \${datasource}`);
    if (!Array.isArray(p.targets) || !p.targets.length) problems.push(`${label}: no targets`);
    const refIds = new Set();
    for (const t of p.targets ?? []) {
      if (typeof t.expr !== 'string' || !t.expr.trim()) problems.push(`${label}: target ${t.refId} has no expr`);
      if (refIds.has(t.refId)) problems.push(`${label}: refId ${t.refId} twice`);
      refIds.add(t.refId);
      for (const name of variablesIn(t.expr ?? ''))
        if (!known(name)) problems.push(`${label}: $${name} is not a variable`);
      if (t.datasource && t.datasource.uid !== '${datasource}')
        problems.push(`${label}: target datasource is not \${datasource}`);
    }
  }
  for (const q of queries(dashboard)) {
    if (typeof q.expr !== 'string' || !q.expr.trim()) continue; // reported above
    if (q.unsupported) {
      problems.push(`${q.where}: only label_values(selector, label) queries are checked, got ${q.expr}`);
      continue;
    }
    for (const name of variablesIn(q.expr)) if (!known(name)) problems.push(`${q.where}: $${name} is not a variable`);
    let substituted;
    try {
      substituted = substitute(q.expr);
    } catch (e) {
      problems.push(`${q.where}: ${e.message}`);
      continue;
    }
    for (const p of check(substituted)) problems.push(`${q.where}: ${p}`);
    if (q.label) {
      const metric = /^[A-Za-z_:][\w:]*/.exec(q.expr)?.[0];
      const found = metric && lookup(metric);
      if (found && !['job', 'instance', ...found.entry.labels].includes(q.label)) {
        problems.push(`${q.where}: ${metric} has no label ${q.label}`);
      }
    }
  }
  return problems;
}

// A recording-rules file holding every query of the given dashboards, variables substituted,
// for `promtool check rules`.
export function recordingRules(dashboards) {
  const groups = dashboards.map((d) => ({
    name: `dashboard_${d.uid}`,
    rules: queries(d)
      .filter((q) => !q.unsupported)
      .map((q, i) => ({ record: `dashboard:${d.uid.replace(/-/g, '_')}:q${i}`, expr: substitute(q.expr) })),
  }));
  return { groups };
}
