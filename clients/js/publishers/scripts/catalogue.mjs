// Reads the event catalogue (schemas/catalogue.json and schemas/events/*.schema.json) for the
// generators of clients/js/catalogue/src/events.ts and docs/events.md, and refuses what they cannot render
// faithfully: a keyword outside the small set below, a type whose schema does not declare it,
// a channel naming an unknown type. Both generators read through here, so they agree.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (this file is clients/js/publishers/scripts/catalogue.mjs). */
export const REPO_ROOT = path.resolve(here, '..', '..', '..', '..');
export const SCHEMAS_DIR = path.join(REPO_ROOT, 'schemas');

/** Keywords the generators understand, anywhere in an event schema. */
const SUPPORTED = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'examples',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'format',
]);
const TYPES = new Set(['object', 'string', 'number', 'integer', 'boolean', 'null']);
const FORMATS = new Set(['date-time']);

function fail(where, message) {
  throw new Error(`${where}: ${message}`);
}

function readJson(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON: ${e.message}`);
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks one schema node and its subschemas; `where` names it in errors (file + JSON pointer). */
function checkNode(node, where) {
  if (!isObject(node)) fail(where, 'a schema must be an object');
  for (const key of Object.keys(node)) {
    if (!SUPPORTED.has(key)) {
      fail(where, `keyword "${key}" is not supported by the generators (supported: ${[...SUPPORTED].join(', ')})`);
    }
  }
  if ('type' in node && !TYPES.has(node.type)) fail(where, `type ${JSON.stringify(node.type)} is not supported`);
  if ('format' in node && !FORMATS.has(node.format))
    fail(where, `format ${JSON.stringify(node.format)} is not supported`);
  if ('enum' in node && (!Array.isArray(node.enum) || node.enum.length === 0))
    fail(where, 'enum must be a non-empty array');
  for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength']) {
    if (k in node && typeof node[k] !== 'number') fail(where, `${k} must be a number`);
  }
  if ('properties' in node) {
    if (!isObject(node.properties)) fail(where, 'properties must be an object');
    for (const [name, sub] of Object.entries(node.properties)) checkNode(sub, `${where}/properties/${name}`);
  }
  if ('required' in node) {
    if (!Array.isArray(node.required)) fail(where, 'required must be an array');
    for (const name of node.required) {
      if (!node.properties || !(name in node.properties)) fail(where, `required "${name}" is not among the properties`);
    }
  }
  if ('additionalProperties' in node && node.additionalProperties !== false) {
    checkNode(node.additionalProperties, `${where}/additionalProperties`);
  }
}

/** Checks the catalogue-wide rules of one event schema. */
function checkEvent(type, schema, where) {
  checkNode(schema, where);
  if (schema.type !== 'object' || !isObject(schema.properties))
    fail(where, 'an event schema is an object with properties');
  if (typeof schema.title !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(schema.title)) {
    fail(where, 'title must be a PascalCase name (it names the TypeScript interface)');
  }
  if (schema.properties.type?.const !== type) fail(where, `properties.type must be {"const": "${type}"}`);
  for (const name of ['type', 'timestamp']) {
    if (!schema.required?.includes(name)) fail(where, `"${name}" must be required`);
  }
  if (schema.properties.timestamp.format !== 'date-time') fail(where, 'timestamp must have format date-time');
  if (schema.additionalProperties !== false) fail(where, 'additionalProperties must be false');
}

/**
 * Loads the catalogue from `schemasDir`. Resolves to
 * {events: [{type, file, schema}], channels: [{pattern, types, publisher?}]}, events in the
 * catalogue's order.
 */
export function loadCatalogue(schemasDir = SCHEMAS_DIR) {
  const catalogueFile = path.join(schemasDir, 'catalogue.json');
  const catalogue = readJson(catalogueFile);
  const where = path.relative(REPO_ROOT, catalogueFile) || catalogueFile;
  if (!isObject(catalogue.events) || Object.keys(catalogue.events).length === 0) {
    fail(where, 'events must be a non-empty object');
  }
  if (!Array.isArray(catalogue.channels)) fail(where, 'channels must be an array');
  const events = [];
  const titles = new Set();
  for (const [type, rel] of Object.entries(catalogue.events)) {
    if (!/^[a-z][a-z0-9_]*$/.test(type)) fail(where, `event type "${type}" must be snake_case`);
    const file = path.join(schemasDir, rel);
    const schema = readJson(file);
    const schemaWhere = path.relative(REPO_ROOT, file) || file;
    checkEvent(type, schema, `${schemaWhere}#`);
    if (titles.has(schema.title)) fail(schemaWhere, `title ${schema.title} is used twice`);
    titles.add(schema.title);
    events.push({ type, file: path.posix.join('schemas', rel), schema });
  }
  const known = new Set(events.map((e) => e.type));
  const patterns = new Set();
  const channels = catalogue.channels.map((entry, i) => {
    const at = `${where} channels[${i}]`;
    if (!isObject(entry) || typeof entry.pattern !== 'string' || entry.pattern === '') {
      fail(at, 'pattern must be a non-empty string');
    }
    if (patterns.has(entry.pattern)) fail(at, `pattern ${entry.pattern} appears twice`);
    patterns.add(entry.pattern);
    if (!Array.isArray(entry.types) || entry.types.length === 0) fail(at, 'types must be a non-empty array');
    for (const t of entry.types) if (!known.has(t)) fail(at, `unknown event type "${t}"`);
    const out = { pattern: entry.pattern, types: [...entry.types] };
    if (entry.publisher !== undefined) out.publisher = entry.publisher;
    return out;
  });
  return { events, channels };
}

/** The name a pattern gets in CHANNELS: `tenant:*:deployments` -> TENANT_DEPLOYMENTS. */
export function patternConstName(pattern) {
  return pattern
    .split(':')
    .filter((part) => part !== '*')
    .join('_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** The patterns that allow `type`, in catalogue order. */
export function channelsOf(catalogue, type) {
  return catalogue.channels.filter((c) => c.types.includes(type)).map((c) => c.pattern);
}

/** Runs `render(catalogue)` and writes or (--check) compares `outFile`; for the scripts' main. */
export async function writeOrCheck(outFile, render, argv = process.argv.slice(2)) {
  const { readFile, writeFile } = await import('node:fs/promises');
  const text = render(loadCatalogue());
  const rel = path.relative(REPO_ROOT, outFile);
  if (argv.includes('--check')) {
    const current = await readFile(outFile, 'utf8').catch(() => null);
    if (current !== text) {
      console.error(`${rel} is out of date with schemas/: run npm run generate`);
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(outFile, text);
  console.log(`wrote ${rel}`);
}
