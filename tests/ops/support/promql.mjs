// Just enough PromQL reading to check queries against deploy/metrics-catalogue.json: which
// metric names an expression selects, with which label matchers, and which labels its by(),
// without(), on() and ignoring() clauses name. promtool checks the syntax; this checks the
// names. It fails closed: an identifier it cannot place is reported as an unknown metric.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const catalogue = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../deploy/metrics-catalogue.json', import.meta.url)), 'utf8'),
);

const functions = new Set(
  (
    'abs absent absent_over_time ceil changes clamp clamp_max clamp_min day_of_month day_of_week ' +
    'day_of_year days_in_month delta deriv exp floor histogram_quantile holt_winters hour idelta increase ' +
    'irate label_join label_replace ln log2 log10 minute month predict_linear rate resets round scalar sgn ' +
    'sort sort_desc sqrt time timestamp vector year avg_over_time min_over_time max_over_time ' +
    'sum_over_time count_over_time quantile_over_time stddev_over_time stdvar_over_time ' +
    'last_over_time present_over_time ' +
    // aggregation operators
    'sum min max avg group stddev stdvar count count_values bottomk topk quantile'
  ).split(' '),
);
const groupingKeywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const operatorKeywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

// -> { selectors: [{metric, matchers: [{label, op, value}]}], groupings: [label...] }
export function parse(expr) {
  const selectors = [];
  const groupings = [];
  let i = 0;
  const n = expr.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(expr[i])) i++;
  };
  const readString = () => {
    const quote = expr[i++];
    let out = '';
    while (i < n && expr[i] !== quote) {
      if (expr[i] === '\\' && quote !== '`') out += expr[++i];
      else out += expr[i];
      i++;
    }
    if (i >= n) throw new Error(`unterminated string in ${expr}`);
    i++;
    return out;
  };
  const readMatchers = () => {
    i++; // {
    const matchers = [];
    for (;;) {
      skipSpace();
      if (expr[i] === '}') break;
      const label = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i));
      if (!label) throw new Error(`bad label matcher at ${expr.slice(i)}`);
      i += label[0].length;
      skipSpace();
      const op = /^(=~|!~|!=|=)/.exec(expr.slice(i));
      if (!op) throw new Error(`bad matcher operator at ${expr.slice(i)}`);
      i += op[0].length;
      skipSpace();
      if (!`"'\``.includes(expr[i])) throw new Error(`matcher value is not a string at ${expr.slice(i)}`);
      matchers.push({ label: label[0], op: op[0], value: readString() });
      skipSpace();
      if (expr[i] === ',') i++;
    }
    i++; // }
    return matchers;
  };
  while (i < n) {
    const c = expr[i];
    if (/\s/.test(c)) {
      i++;
    } else if (`"'\``.includes(c)) {
      readString();
    } else if (c === '[') {
      while (i < n && expr[i] !== ']') i++;
      i++;
    } else if (c === '{') {
      selectors.push({ metric: null, matchers: readMatchers() });
    } else if (/[0-9.]/.test(c)) {
      // a number (0.95, 1e-9) or a duration (5m, 1m30s)
      i += /^[0-9.]+(?:e[+-]?[0-9]+)?(?:[0-9]*(?:ms|[smhdwy]))*/i.exec(expr.slice(i))[0].length;
    } else if (/[A-Za-z_:]/.test(c)) {
      const word = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(expr.slice(i))[0];
      i += word.length;
      skipSpace();
      if (groupingKeywords.has(word)) {
        if (expr[i] === '(') {
          const close = expr.indexOf(')', i);
          for (const label of expr.slice(i + 1, close).split(',')) if (label.trim()) groupings.push(label.trim());
          i = close + 1;
        }
      } else if (expr[i] === '(' || (functions.has(word) && /^(by|without)\b/.test(expr.slice(i)))) {
        if (!functions.has(word)) throw new Error(`unknown function ${word}`);
      } else if (operatorKeywords.has(word)) {
        // an operator or a number
      } else {
        const selector = { metric: word, matchers: [] };
        if (expr[i] === '{') selector.matchers = readMatchers();
        selectors.push(selector);
      }
    } else {
      i++;
    }
  }
  return { selectors, groupings };
}

// The catalogue entry behind a series name: H, or H_bucket/_sum/_count of a histogram H.
export function lookup(name) {
  const all = { ...catalogue.metrics, ...catalogue.scrape_metrics };
  if (all[name] && all[name].type !== 'histogram') return { base: name, entry: all[name], suffix: '' };
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && all[m[1]]?.type === 'histogram') return { base: m[1], entry: all[m[1]], suffix: m[2] };
  return null;
}

function allowedValues(entry, label) {
  const set = entry.label_values?.[label] ?? label;
  return catalogue.values[set];
}

// Every problem of `expr` against the catalogue, as strings ([] = fine).
export function check(expr) {
  let parsed;
  try {
    parsed = parse(expr);
  } catch (e) {
    return [e.message];
  }
  const problems = [];
  const labelsInUse = new Set(catalogue.target_labels);
  for (const { metric, matchers } of parsed.selectors) {
    if (metric === null) {
      problems.push(`selector without a metric name: {${matchers.map((x) => x.label).join(',')}}`);
      continue;
    }
    const found = lookup(metric);
    if (!found) {
      problems.push(`unknown metric ${metric}`);
      continue;
    }
    const labels = new Set([...catalogue.target_labels, ...found.entry.labels]);
    if (found.suffix === 'bucket') labels.add('le');
    for (const l of labels) labelsInUse.add(l);
    for (const { label, op, value } of matchers) {
      if (!labels.has(label)) {
        problems.push(`${metric} has no label ${label}`);
        continue;
      }
      const values = allowedValues(found.entry, label);
      if (!values || value.includes('$')) continue;
      // = "x" and =~ "x|y" with plain words: each value must exist.
      const words = op === '=' || op === '!=' ? [value] : /^[\w|]+$/.test(value) ? value.split('|') : [];
      for (const w of words) if (!values.includes(w)) problems.push(`${metric}{${label}="${w}"}: no such value`);
    }
  }
  for (const label of parsed.groupings) {
    if (!labelsInUse.has(label)) problems.push(`grouping label ${label} is not a label of the metrics selected`);
  }
  return problems;
}

// Grafana variables -> values that make a valid query (what the dashboard would send with
// "All" selected).
export const substitutions = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
  job: '.+',
  instance: '.+',
  namespace: '.*',
  tenant: '.*',
};

export function variablesIn(expr) {
  const names = new Set();
  for (const m of expr.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)) names.add(m[1] ?? m[2] ?? m[3]);
  return [...names];
}

export function substitute(expr, values = substitutions) {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a, b, c) => {
    const name = a ?? b ?? c;
    if (!(name in values)) throw new Error(`no substitution for $${name}`);
    return values[name];
  });
}
