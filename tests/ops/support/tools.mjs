// Shared helpers of the ops tests: paths, YAML, promtool.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const path = (...parts) => join(root, ...parts);
export const read = (...parts) => readFileSync(path(...parts), 'utf8');

// One YAML document (a parse error or a warning throws).
export function yaml(text, name = 'yaml') {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length || doc.warnings.length) {
    throw new Error(`${name}: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('; ')}`);
  }
  return doc.toJS();
}

// Every document of a multi-document YAML text, empty ones left out.
export function yamlAll(text, name = 'yaml') {
  const out = [];
  for (const doc of YAML.parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })) {
    if (doc.errors.length || doc.warnings.length) {
      throw new Error(`${name}: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('; ')}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export const toYaml = (value) => YAML.stringify(value, { lineWidth: 0 });

export function tempDir(prefix = 'neo-events-ops-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(name, text) {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

// promtool (Debian's `prometheus` package, installed by scripts/setup.sh; PROMTOOL overrides).
// A missing promtool fails the tests that need it, with this message.
export function promtool(...args) {
  const bin = process.env.PROMTOOL || 'promtool';
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120000 });
  if (r.error && r.error.code === 'ENOENT') {
    throw new Error(`${bin} not found: install Debian's prometheus package (scripts/setup.sh does) or set PROMTOOL`);
  }
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// "500ms", "25s", "1m30s", "1h" (neo-events and compose durations) -> seconds.
export function seconds(text) {
  if (typeof text === 'number') return text;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let m;
  let consumed = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
    consumed = re.lastIndex;
  }
  if (!text || consumed !== text.length) throw new Error(`not a duration: ${text}`);
  return total;
}

// The deploy config (deploy/config/neo-events.yaml), parsed.
export const deployConfig = () => yaml(read('deploy/config/neo-events.yaml'), 'deploy/config/neo-events.yaml');
