// A renderer for the small subset of Helm's template language that deploy/helm/neo-events uses,
// so the chart can be rendered and validated here, where helm is not available (no maintained
// npm package renders Go templates with Helm's functions). It fails closed: any action outside
// the subset is an error, so a template that grows past it fails the tests until this grows too
// (or the test moves to a machine with helm: `helm lint` / `helm template`).
//
// Supported: {{ .Values.a.b }}, {{ .Release.Name }}, {{ .Release.Namespace }}, {{ .Chart.Name }},
// {{ .Chart.Version }}, {{ .Chart.AppVersion }} ($. works as .); string literals; functions
// toYaml X, quote, nindent N, indent N, sha256sum (in pipelines X | f); include (print
// $.Template.BasePath "/file.yaml") .; {{ if X }}, {{ if not X }}, {{ else }}, {{ end }}; the
// whitespace trims {{- and -}}. Not supported: range, with, define/template, variables, default,
// required, tpl, and every other Sprig function.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

function tokenize(text, name) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ text: text.slice(i) });
      break;
    }
    const close = text.indexOf('}}', open);
    if (close < 0) throw new Error(`${name}: unclosed {{`);
    tokens.push({ text: text.slice(i, open) });
    let body = text.slice(open + 2, close);
    const trimLeft = body.startsWith('- ');
    const trimRight = body.endsWith(' -');
    if (trimLeft) body = body.slice(2);
    if (trimRight) body = body.slice(0, -2);
    tokens.push({ action: body.trim(), trimLeft, trimRight });
    i = close + 2;
  }
  // Apply the trims to the neighbouring text.
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (!('action' in t)) continue;
    if (t.trimLeft && k > 0 && 'text' in tokens[k - 1]) tokens[k - 1].text = tokens[k - 1].text.replace(/\s+$/, '');
    if (t.trimRight && k + 1 < tokens.length && 'text' in tokens[k + 1])
      tokens[k + 1].text = tokens[k + 1].text.replace(/^\s+/, '');
  }
  return tokens;
}

// tokens -> tree of {text} | {expr} | {if, then: [], else: []}
function parse(tokens, name) {
  const root = [];
  const stack = [{ nodes: root }];
  for (const t of tokens) {
    const top = stack.at(-1);
    if ('text' in t) {
      if (t.text) top.nodes.push({ text: t.text });
    } else if (/^if\s/.test(t.action)) {
      const node = { if: t.action.slice(3).trim(), then: [], else: [] };
      top.nodes.push(node);
      stack.push({ node, nodes: node.then });
    } else if (t.action === 'else') {
      if (!top.node) throw new Error(`${name}: else outside if`);
      top.nodes = top.node.else;
    } else if (t.action === 'end') {
      if (!top.node) throw new Error(`${name}: end outside if`);
      stack.pop();
    } else if (/^\/\*.*\*\/$/s.test(t.action)) {
      // comment
    } else {
      top.nodes.push({ expr: t.action });
    }
  }
  if (stack.length !== 1) throw new Error(`${name}: if without end`);
  return root;
}

const truthy = (v) =>
  !(
    v === undefined ||
    v === null ||
    v === false ||
    v === 0 ||
    v === '' ||
    (Array.isArray(v) && !v.length) ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).length)
  );

function splitPipeline(expr) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let current = '';
  for (const c of expr) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current.trim());
  return parts;
}

function toYaml(v) {
  return YAML.stringify(v, { lineWidth: 0 }).replace(/\n$/, '');
}

export function renderChart(
  chartDir,
  { values: overrides = {}, release = { Name: 'neo-events', Namespace: 'default' } } = {},
) {
  const chart = YAML.parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  const values = deepMerge(YAML.parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')), overrides);
  const scope = {
    Values: values,
    Release: release,
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Template: { BasePath: 'neo-events/templates' },
  };
  const templates = Object.fromEntries(
    readdirSync(join(chartDir, 'templates'))
      .filter((f) => !f.startsWith('_'))
      .map((f) => [f, readFileSync(join(chartDir, 'templates', f), 'utf8')]),
  );

  function value(ref, name) {
    const m = /^\$?\.([\w.]+)$/.exec(ref);
    if (!m) return undefined;
    let v = scope;
    for (const key of m[1].split('.')) {
      if (v === undefined || v === null || typeof v !== 'object') throw new Error(`${name}: ${ref}: no such value`);
      v = v[key];
    }
    if (m[1].split('.')[0] !== 'Values' && v === undefined) throw new Error(`${name}: ${ref}: not supported`);
    return v;
  }

  function operand(text, name) {
    text = text.trim();
    if (/^"([^"\\]|\\.)*"$/.test(text)) return JSON.parse(text);
    if (/^\$?\.[\w.]+$/.test(text)) {
      const v = value(text, name);
      if (v === undefined) throw new Error(`${name}: ${text} is not set in values.yaml`);
      return v;
    }
    throw new Error(`${name}: unsupported operand ${text}`);
  }

  function command(cmd, piped, hasPiped, name) {
    const include = /^include \(print \$\.Template\.BasePath "\/([\w.-]+)"\) \.$/.exec(cmd);
    if (include) {
      if (!(include[1] in templates)) throw new Error(`${name}: include of missing template ${include[1]}`);
      return render(include[1]);
    }
    const [fn, ...args] = cmd.split(/\s+/);
    const arg = (k) => (hasPiped && k === args.length ? piped : operand(args[k], name));
    switch (fn) {
      case 'toYaml':
        return toYaml(args.length ? operand(args[0], name) : piped);
      case 'quote':
        return JSON.stringify(String(args.length ? operand(args[0], name) : piped));
      case 'nindent':
      case 'indent': {
        const n = Number(args[0]);
        if (!Number.isInteger(n) || !hasPiped) throw new Error(`${name}: ${fn} needs a number and a piped value`);
        const pad = ' '.repeat(n);
        const out = String(piped)
          .split('\n')
          .map((l) => pad + l)
          .join('\n');
        return fn === 'nindent' ? '\n' + out : out;
      }
      case 'sha256sum':
        return createHash('sha256')
          .update(String(hasPiped ? piped : arg(0)))
          .digest('hex');
      default:
        if (args.length === 0 && !hasPiped) return operand(fn, name);
        throw new Error(`${name}: unsupported function ${fn}`);
    }
  }

  function evaluate(expr, name) {
    let result;
    let has = false;
    for (const cmd of splitPipeline(expr)) {
      result = command(cmd, result, has, name);
      has = true;
    }
    if (result !== null && typeof result === 'object')
      throw new Error(`${name}: {{ ${expr} }} prints a map or list: use toYaml`);
    if (result === undefined || result === null) throw new Error(`${name}: {{ ${expr} }} has no value`);
    return String(result);
  }

  function condition(expr, name) {
    const negated = /^not\s+(.*)$/.exec(expr);
    const target = negated ? negated[1] : expr;
    if (!/^\$?\.[\w.]+$/.test(target)) throw new Error(`${name}: unsupported condition ${expr}`);
    const v = truthy(value(target, name));
    return negated ? !v : v;
  }

  function walk(nodes, name) {
    let out = '';
    for (const n of nodes) {
      if ('text' in n) out += n.text;
      else if ('expr' in n) out += evaluate(n.expr, name);
      else out += walk(condition(n.if, name) ? n.then : n.else, name);
    }
    return out;
  }

  function render(file) {
    return walk(parse(tokenize(templates[file], file), file), file);
  }

  return Object.fromEntries(Object.keys(templates).map((f) => [f, render(f)]));
}

function deepMerge(base, over) {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = base && typeof base[k] === 'object' && !Array.isArray(base[k]) ? deepMerge(base[k], v) : v;
  }
  return out;
}
